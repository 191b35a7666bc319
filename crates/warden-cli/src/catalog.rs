//! `warden actions` and `warden policy`: AWS's action catalog and managed policies, built in.

use crate::error::{CliError, FAILED, SUCCESS, warn};
use crate::input::read_text;
use crate::output::write_json;
use serde::Serialize;
use std::io::Write;
use warden_catalog::{ManagedPolicy, TrustTemplate, actions, managed};

/// The `--output` formats of the catalog commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CatalogFormat {
    /// Aligned text for people.
    Text,
    /// JSON for programs.
    Json,
}

/// `warden actions ...`.
#[derive(Debug, clap::Subcommand)]
pub enum ActionsCommand {
    /// List the actions a pattern covers, e.g. 'ec2:Describe*' (wildcards `*` and `?`, any
    /// case, as IAM matches them)
    Expand {
        /// Action patterns: `service:Action`, with wildcards in either part
        #[arg(required = true, value_name = "PATTERN")]
        patterns: Vec<String>,
        /// Output format
        #[arg(long, short = 'o', value_enum, default_value_t = CatalogFormat::Text)]
        output: CatalogFormat,
    },
    /// Show one action: access level, resource types with their ARN formats, condition keys
    /// with their types, and dependent actions
    Show {
        /// The action, e.g. ecs:RunTask
        #[arg(value_name = "ACTION")]
        action: String,
        /// Output format
        #[arg(long, short = 'o', value_enum, default_value_t = CatalogFormat::Text)]
        output: CatalogFormat,
    },
}

/// `warden policy ...`.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// List the AWS managed policies
    List {
        /// Only deprecated policies
        #[arg(long)]
        deprecated: bool,
        /// Only policies whose name or description contains TEXT (any case)
        #[arg(long, value_name = "TEXT")]
        search: Option<String>,
        /// List the trust-policy templates instead (ECS task roles, EC2 instance roles)
        #[arg(long, conflicts_with = "deprecated")]
        trust_templates: bool,
        /// Output format
        #[arg(long, short = 'o', value_enum, default_value_t = CatalogFormat::Text)]
        output: CatalogFormat,
    },
    /// Show an AWS managed policy (or a trust-policy template) and its document
    Get {
        /// The policy's name or ARN, e.g. AmazonECS_FullAccess or
        /// arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role
        #[arg(value_name = "NAME|ARN")]
        policy: String,
        /// The version to show, as `aws iam get-policy-version --version-id` takes it
        /// [default: the default version]
        #[arg(long = "version-id", value_name = "vN")]
        version_id: Option<String>,
        /// Print only the document, exactly as stored (to start a policy of your own from it)
        #[arg(long, conflicts_with = "output")]
        document: bool,
        /// Output format
        #[arg(long, short = 'o', value_enum)]
        output: Option<CatalogFormat>,
    },
    /// Summarize a policy per service by access level, as the IAM console does
    Summary {
        /// A policy file (path or file://PATH, `-` for standard input), or an AWS managed
        /// policy's name or ARN
        #[arg(value_name = "FILE|NAME|ARN")]
        policy: String,
        /// Output format
        #[arg(long, short = 'o', value_enum, default_value_t = CatalogFormat::Text)]
        output: CatalogFormat,
    },
}

/// Runs `warden actions ...`.
pub fn run_actions<W: Write>(command: &ActionsCommand, out: &mut W) -> Result<u8, CliError> {
    match command {
        ActionsCommand::Expand { patterns, output } => expand(patterns, *output, out),
        ActionsCommand::Show { action, output } => show(action, *output, out),
    }
}

/// Runs `warden policy ...`.
pub fn run_policy<W: Write>(command: &PolicyCommand, out: &mut W) -> Result<u8, CliError> {
    match command {
        PolicyCommand::List {
            deprecated,
            search,
            trust_templates,
            output,
        } => {
            if *trust_templates {
                list_templates(search.as_deref(), *output, out)
            } else {
                list(*deprecated, search.as_deref(), *output, out)
            }
        }
        PolicyCommand::Get {
            policy,
            version_id,
            document,
            output,
        } => get(policy, version_id.as_deref(), *document, *output, out),
        PolicyCommand::Summary { policy, output } => summary(policy, *output, out),
    }
}

#[derive(Serialize)]
struct ExpandedAction<'a> {
    action: String,
    level: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

fn expand<W: Write>(
    patterns: &[String],
    format: CatalogFormat,
    out: &mut W,
) -> Result<u8, CliError> {
    let catalog = actions();
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut code = SUCCESS;
    for pattern in patterns {
        if !pattern.contains(':') && pattern != "*" {
            return Err(CliError::input(format!(
                "`{pattern}` is not an action pattern: write service:Action, e.g. ec2:Describe*"
            )));
        }
        let matched = catalog.expand(pattern);
        if matched.is_empty() {
            warn(format!("{pattern} covers no action{}", suggestion(pattern)));
            code = FAILED;
        }
        for (service, action) in matched {
            let name = format!("{}:{}", service.prefix, action.name);
            if seen.insert(name.clone()) {
                found.push(ExpandedAction {
                    action: name,
                    level: action.level.name(),
                    description: action.description.as_deref(),
                });
            }
        }
    }
    match format {
        CatalogFormat::Json => write_json(out, &found)?,
        CatalogFormat::Text => {
            let width = found.iter().map(|a| a.action.len()).max().unwrap_or(0);
            for a in &found {
                writeln!(out, "{:width$}  {}", a.action, a.level)?;
            }
        }
    }
    Ok(code)
}

/// `; did you mean X?` for a pattern or action that names nothing, or nothing.
pub(crate) fn suggestion(action: &str) -> String {
    let catalog = actions();
    let Some((prefix, name)) = action.split_once(':') else {
        return String::new();
    };
    match catalog.service(prefix) {
        None => warden_catalog::closest(prefix, catalog.prefixes().iter().copied())
            .map(|p| format!(" (no service has the prefix `{prefix}`; did you mean {p}?)"))
            .unwrap_or_else(|| format!(" (no service has the prefix `{prefix}`)")),
        Some(service) if !name.contains(['*', '?']) => {
            warden_catalog::closest(name, service.actions.iter().map(|a| a.name.as_str()))
                .map(|a| format!("; did you mean {}:{a}?", service.prefix))
                .unwrap_or_default()
        }
        Some(_) => String::new(),
    }
}

#[derive(Serialize)]
struct ShownResource<'a> {
    #[serde(rename = "type")]
    resource_type: &'a str,
    required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    arn: Option<&'a str>,
    condition_keys: &'a [String],
    dependent_actions: &'a [String],
}

#[derive(Serialize)]
struct ShownKey<'a> {
    key: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    key_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
}

#[derive(Serialize)]
struct ShownAction<'a> {
    action: String,
    service: &'a str,
    level: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    resources: Vec<ShownResource<'a>>,
    condition_keys: Vec<ShownKey<'a>>,
    dependent_actions: &'a [String],
}

fn show<W: Write>(name: &str, format: CatalogFormat, out: &mut W) -> Result<u8, CliError> {
    let catalog = actions();
    if name.contains(['*', '?']) {
        return Err(CliError::input(format!(
            "`{}` is a pattern: `actions show` takes one action; list the actions it covers \
             with `warden actions expand '{}'`",
            crate::guard::cut(name),
            crate::guard::cut(name)
        )));
    }
    let Some((service, action)) = catalog.action(name) else {
        return Err(CliError::input(format!(
            "unknown action `{name}`{}",
            suggestion(name)
        )));
    };
    let shown = ShownAction {
        action: format!("{}:{}", service.prefix, action.name),
        service: &service.name,
        level: action.level.name(),
        description: action.description.as_deref(),
        resources: action
            .resources
            .iter()
            .map(|r| ShownResource {
                resource_type: &r.resource_type,
                required: r.required,
                arn: service
                    .resource_type(&r.resource_type)
                    .map(|t| t.arn.as_str()),
                condition_keys: &r.condition_keys,
                dependent_actions: &r.dependent_actions,
            })
            .collect(),
        condition_keys: action
            .condition_keys
            .iter()
            .map(|key| {
                let definition = catalog.condition_key(key);
                ShownKey {
                    key,
                    key_type: definition.map(|d| d.key_type.as_str()),
                    description: definition.and_then(|d| d.description.as_deref()),
                }
            })
            .collect(),
        dependent_actions: &action.dependent_actions,
    };
    if format == CatalogFormat::Json {
        write_json(out, &shown)?;
        return Ok(SUCCESS);
    }
    writeln!(out, "{} ({})", shown.action, shown.service)?;
    writeln!(out, "  Access level: {}", shown.level)?;
    if let Some(description) = shown.description {
        writeln!(out, "  Description:  {description}")?;
    }
    if shown.resources.is_empty() {
        writeln!(
            out,
            "  Resource types: none (the action supports only \"Resource\": \"*\")"
        )?;
    } else {
        writeln!(out, "  Resource types (* required):")?;
        let width = shown
            .resources
            .iter()
            .map(|r| r.resource_type.len() + usize::from(r.required))
            .max()
            .unwrap_or(0);
        for r in &shown.resources {
            let label = format!("{}{}", r.resource_type, if r.required { "*" } else { "" });
            writeln!(out, "    {label:width$}  {}", r.arn.unwrap_or("-"))?;
            if !r.condition_keys.is_empty() {
                writeln!(
                    out,
                    "    {:width$}  keys: {}",
                    "",
                    r.condition_keys.join(", ")
                )?;
            }
        }
    }
    if shown.condition_keys.is_empty() {
        writeln!(out, "  Condition keys: none beyond the global ones")?;
    } else {
        writeln!(out, "  Condition keys:")?;
        let width = shown
            .condition_keys
            .iter()
            .map(|k| k.key.len())
            .max()
            .unwrap_or(0);
        for k in &shown.condition_keys {
            writeln!(out, "    {:width$}  {}", k.key, k.key_type.unwrap_or("?"))?;
        }
    }
    if !shown.dependent_actions.is_empty() {
        writeln!(
            out,
            "  Dependent actions: {}",
            shown.dependent_actions.join(", ")
        )?;
    }
    Ok(SUCCESS)
}

/// AWS's `GetPolicy` shape for an AWS managed policy, plus Warden's lifecycle fields.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PolicyInfo<'a> {
    policy_name: &'a str,
    arn: String,
    path: &'a str,
    default_version_id: &'a str,
    /// AWS sets this to false for a deprecated managed policy: nothing new can attach it.
    is_attachable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    create_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    update_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    deprecated: Option<&'a warden_catalog::Deprecation>,
    versions: Vec<VersionInfo<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct VersionInfo<'a> {
    version_id: &'a str,
    is_default_version: bool,
    origin: &'a str,
}

fn policy_info(policy: &ManagedPolicy) -> PolicyInfo<'_> {
    PolicyInfo {
        policy_name: &policy.name,
        arn: policy.arn(),
        path: &policy.path,
        default_version_id: &policy.default_version,
        is_attachable: policy.deprecated.is_none(),
        create_date: policy.create_date.as_deref(),
        update_date: policy.update_date.as_deref(),
        description: policy.description.as_deref(),
        deprecated: policy.deprecated.as_ref(),
        versions: policy
            .versions
            .iter()
            .map(|v| VersionInfo {
                version_id: &v.id,
                is_default_version: v.id == policy.default_version,
                origin: &v.origin,
            })
            .collect(),
    }
}

fn list<W: Write>(
    deprecated_only: bool,
    search: Option<&str>,
    format: CatalogFormat,
    out: &mut W,
) -> Result<u8, CliError> {
    let catalog = managed();
    let needle = search.map(str::to_ascii_lowercase);
    // Names and descriptions both: `ecs` finds AmazonEC2ContainerService* by their
    // descriptions ("... Amazon ECS ...").
    let policies: Vec<&ManagedPolicy> = catalog
        .names()
        .iter()
        .filter_map(|name| catalog.by_name(name))
        .filter(|p| {
            needle.as_deref().is_none_or(|n| {
                p.name.to_ascii_lowercase().contains(n)
                    || p.description
                        .as_deref()
                        .is_some_and(|d| d.to_ascii_lowercase().contains(n))
            })
        })
        .filter(|p| !deprecated_only || p.deprecated.is_some())
        .collect();
    if format == CatalogFormat::Json {
        let infos: Vec<PolicyInfo<'_>> = policies.iter().map(|p| policy_info(p)).collect();
        write_json(out, &infos)?;
        return Ok(SUCCESS);
    }
    let width = policies.iter().map(|p| p.name.len()).max().unwrap_or(0);
    for p in &policies {
        let mut notes = String::new();
        if let Some(d) = &p.deprecated {
            notes.push_str(&format!(
                "  deprecated since {}, use {}",
                d.date, d.replacement
            ));
        }
        if p.from_seed() {
            notes.push_str("  (seed)");
        }
        writeln!(
            out,
            "{:width$}  {:>4}  {}{notes}",
            p.name,
            p.default_version,
            p.arn()
        )?;
    }
    let noun = if policies.len() == 1 {
        "policy"
    } else {
        "policies"
    };
    let mut searched = Vec::new();
    if deprecated_only {
        searched.push("deprecated".to_string());
    }
    match search {
        Some(text) => writeln!(
            out,
            "{} {}{noun} whose name or description contains `{}` (any case)",
            policies.len(),
            searched.iter().map(|s| format!("{s} ")).collect::<String>(),
            crate::guard::cut(text)
        )?,
        None => writeln!(
            out,
            "{} {}{noun}",
            policies.len(),
            searched.iter().map(|s| format!("{s} ")).collect::<String>()
        )?,
    }
    Ok(SUCCESS)
}

fn list_templates<W: Write>(
    search: Option<&str>,
    format: CatalogFormat,
    out: &mut W,
) -> Result<u8, CliError> {
    let needle = search.map(str::to_ascii_lowercase);
    let templates: Vec<&TrustTemplate> = managed()
        .header()
        .trust_templates
        .iter()
        .filter(|t| {
            needle
                .as_deref()
                .is_none_or(|n| t.name.to_ascii_lowercase().contains(n) || t.service.contains(n))
        })
        .collect();
    if format == CatalogFormat::Json {
        write_json(out, &templates)?;
        return Ok(SUCCESS);
    }
    let width = templates.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in &templates {
        writeln!(out, "{:width$}  trusts {}", t.name, t.service)?;
    }
    Ok(SUCCESS)
}

fn get<W: Write>(
    name: &str,
    version: Option<&str>,
    document_only: bool,
    format: Option<CatalogFormat>,
    out: &mut W,
) -> Result<u8, CliError> {
    let catalog = managed();
    let policy = match catalog.lookup(name) {
        Ok(policy) => policy,
        Err(e) => {
            if let Some(template) = catalog.trust_template(name) {
                return get_template(template, document_only, format, out);
            }
            return Err(CliError::input(e.to_string()));
        }
    };
    let chosen = match version {
        Some(id) => policy.version(id).ok_or_else(|| {
            let known: Vec<&str> = policy.versions.iter().map(|v| v.id.as_str()).collect();
            CliError::input(format!(
                "{} has no version {id} in Warden's catalog (it has {})",
                policy.name,
                known.join(", ")
            ))
        })?,
        None => policy
            .default()
            .ok_or_else(|| CliError::input(format!("{} has no default version", policy.name)))?,
    };
    if document_only {
        writeln!(out, "{}", chosen.document)?;
        return Ok(SUCCESS);
    }
    if format == Some(CatalogFormat::Json) {
        let document: serde_json::Value = serde_json::from_str(&chosen.document)
            .map_err(|e| CliError::input(format!("{}: stored document: {e}", policy.name)))?;
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Output<'a> {
            policy: PolicyInfo<'a>,
            policy_version: ShownVersion<'a>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct ShownVersion<'a> {
            document: serde_json::Value,
            version_id: &'a str,
            is_default_version: bool,
            origin: &'a str,
        }
        write_json(
            out,
            &Output {
                policy: policy_info(policy),
                policy_version: ShownVersion {
                    document,
                    version_id: &chosen.id,
                    is_default_version: chosen.id == policy.default_version,
                    origin: &chosen.origin,
                },
            },
        )?;
        return Ok(SUCCESS);
    }
    writeln!(out, "{}", policy.name)?;
    writeln!(out, "  ARN:      {}", policy.arn())?;
    let versions: Vec<String> = policy
        .versions
        .iter()
        .map(|v| {
            let mut s = v.id.clone();
            if v.id == policy.default_version {
                s.push_str(" (default)");
            }
            if v.origin == "seed" {
                s.push_str(" (seed)");
            }
            s
        })
        .collect();
    writeln!(out, "  Versions: {}", versions.join(", "))?;
    if let Some(updated) = &policy.update_date {
        writeln!(out, "  Updated:  {updated}")?;
    }
    if let Some(description) = &policy.description {
        writeln!(out, "  About:    {description}")?;
    }
    if let Some(d) = &policy.deprecated {
        writeln!(
            out,
            "  DEPRECATED since {}: {}. It cannot be attached to anything new; where it is \
             attached it stays and still grants what it grants. Use {} instead.",
            d.date, d.reason, d.replacement
        )?;
    }
    writeln!(out, "  Document ({}):", chosen.id)?;
    writeln!(out, "{}", chosen.document)?;
    Ok(SUCCESS)
}

fn get_template<W: Write>(
    template: &TrustTemplate,
    document_only: bool,
    format: Option<CatalogFormat>,
    out: &mut W,
) -> Result<u8, CliError> {
    if document_only {
        writeln!(out, "{}", template.document)?;
    } else if format == Some(CatalogFormat::Json) {
        write_json(out, template)?;
    } else {
        writeln!(out, "{}", template.name)?;
        writeln!(
            out,
            "  A trust-policy template, not a permissions policy: use it as the trust policy \
             (AssumeRolePolicyDocument) of a role that {} assumes.",
            template.service
        )?;
        writeln!(out, "  About:    {}", template.description)?;
        writeln!(out, "  Document:")?;
        writeln!(out, "{}", template.document)?;
    }
    Ok(SUCCESS)
}

/// Reads a policy given as a file, or names an AWS managed policy: returns its text and a
/// label for messages.
pub fn policy_text(arg: &str) -> Result<(String, String), CliError> {
    let path = crate::input::path_of(arg);
    if arg.starts_with("file://") || path == "-" || std::path::Path::new(path).exists() {
        return Ok((read_text(arg, "policy file")?, path.to_string()));
    }
    match managed().lookup(arg) {
        Ok(policy) => Ok((policy.document().to_string(), policy.arn())),
        Err(e) => Err(CliError::input(format!(
            "`{arg}` is neither a readable file nor an AWS managed policy: {e}"
        ))),
    }
}

fn summary<W: Write>(arg: &str, format: CatalogFormat, out: &mut W) -> Result<u8, CliError> {
    let (text, label) = policy_text(arg)?;
    // A deprecated managed policy still grants what it grants: the summary says it is
    // deprecated before what it grants.
    let deprecated = managed()
        .lookup(&label)
        .ok()
        .and_then(|p| p.deprecated.as_ref().map(|d| (p, d)));
    if let Some((policy, d)) = deprecated {
        let note = format!(
            "{} is deprecated since {} ({}): it cannot be attached to anything new; use {}",
            policy.name, d.date, d.reason, d.replacement
        );
        match format {
            CatalogFormat::Text => writeln!(out, "DEPRECATED: {note}")?,
            CatalogFormat::Json => warn(note),
        }
    }
    let policy = warden_core::Policy::parse(&text).map_err(|e| {
        CliError::input(format!(
            "{label} is not a policy: {e} (run `warden validate` for details)"
        ))
    })?;
    let summary = warden_catalog::summary::summarize(&policy, actions());
    match format {
        CatalogFormat::Json => write_json(out, &summary)?,
        CatalogFormat::Text => write!(out, "{summary}")?,
    }
    Ok(SUCCESS)
}
