//! Resource ARNs from the built-in catalog's formats: nothing the catalog knows about an ARN's
//! shape is typed here. Also the readers of the references a task definition holds (image URIs,
//! secrets, S3 objects).

/// Where the ARNs are made: the partition, region and account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// `aws`, `aws-cn`, `aws-us-gov`.
    pub partition: String,
    /// The region the task runs in.
    pub region: String,
    /// The account.
    pub account: String,
}

impl Place {
    /// Fills the catalog's ARN format of `service`'s `resource_type` (e.g. `ecs`,
    /// `task-definition`) with this place and `values` (`("TaskDefinitionFamilyName",
    /// "web")`...). An error names what the catalog lacks or what was left unfilled.
    pub fn arn(
        &self,
        service: &str,
        resource_type: &str,
        values: &[(&str, &str)],
    ) -> Result<String, String> {
        self.arn_in(service, resource_type, &self.region, &self.account, values)
    }

    /// As [`Place::arn`], in another region and account (an image in another registry).
    pub fn arn_in(
        &self,
        service: &str,
        resource_type: &str,
        region: &str,
        account: &str,
        values: &[(&str, &str)],
    ) -> Result<String, String> {
        let catalog = warden_catalog::actions();
        let svc = catalog
            .service(service)
            .ok_or_else(|| format!("the catalog has no service `{service}`"))?;
        let rt = svc.resource_type(resource_type).ok_or_else(|| {
            format!("the catalog has no resource type `{resource_type}` in `{service}`")
        })?;
        let mut arn = rt
            .arn
            .replace("${Partition}", &self.partition)
            .replace("${Region}", region)
            .replace("${Account}", account);
        for (name, value) in values {
            arn = arn.replace(&format!("${{{name}}}"), value);
        }
        if let Some(start) = arn.find("${") {
            let rest = arn.get(start..).unwrap_or_default();
            return Err(format!(
                "the {service} {resource_type} ARN format `{}` has an unfilled part `{}`",
                rt.arn,
                rest.split('}').next().unwrap_or(rest)
            ));
        }
        Ok(arn)
    }
}

/// The parts of an ARN: partition, service, region, account, resource.
pub fn split_arn(arn: &str) -> Option<[&str; 5]> {
    let mut it = arn.splitn(6, ':');
    if it.next()? != "arn" {
        return None;
    }
    let partition = it.next()?;
    let service = it.next()?;
    let region = it.next()?;
    let account = it.next()?;
    let resource = it.next()?;
    if partition.is_empty() || service.is_empty() || resource.is_empty() {
        return None;
    }
    Some([partition, service, region, account, resource])
}

/// An image in an Amazon ECR private registry:
/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]/REPOSITORY[:TAG|@DIGEST]`
/// (`AmazonECR/latest/userguide/registry_auth.html`, "Registry URL").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcrImage {
    /// The registry's account.
    pub account: String,
    /// The registry's region.
    pub region: String,
    /// The repository name (may hold `/`).
    pub repository: String,
}

/// Reads an ECR private image URI; `None` for any other registry (Docker Hub, ECR Public,
/// a private registry).
pub fn ecr_image(image: &str) -> Option<EcrImage> {
    let (host, path) = image.split_once('/')?;
    let mut parts = host.split('.');
    let account = parts.next()?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if parts.next()? != "dkr" || parts.next()? != "ecr" {
        return None;
    }
    let region = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    if rest != ["amazonaws", "com"] && rest != ["amazonaws", "com", "cn"] {
        return None;
    }
    // The repository ends at the digest (`@sha256:...`) or the tag (a `:` after the last `/`).
    let path = path.split('@').next().unwrap_or(path);
    let repository = match path.rfind(':') {
        Some(i) if !path.get(i..).unwrap_or_default().contains('/') => path.get(..i)?,
        _ => path,
    };
    if repository.is_empty() || region.is_empty() {
        return None;
    }
    Some(EcrImage {
        account: account.to_string(),
        region: region.to_string(),
        repository: repository.to_string(),
    })
}

/// Where a secret's value comes from (`specifying-sensitive-data.html`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// A Secrets Manager secret: its ARN without the JSON key, version stage and version id
    /// ECS lets `valueFrom` append.
    SecretsManager(String),
    /// An SSM parameter's ARN.
    Parameter(String),
    /// Neither: a `valueFrom` ECS would not resolve.
    Unknown,
}

/// Reads a `valueFrom`: a Secrets Manager ARN (with optional `:json-key:stage:version`), an SSM
/// parameter ARN, or a parameter name in the task's own region and account ("If the parameter
/// exists in the same Region as the task you're launching, you can use either the full ARN or
/// name of the parameter": `secrets-envvar-ssm-paramstore.html`).
pub fn secret_source(value_from: &str, place: &Place) -> SecretSource {
    if let Some([_, service, _, _, resource]) = split_arn(value_from) {
        return match service {
            "secretsmanager" => {
                // arn:aws:secretsmanager:R:A:secret:NAME-abcdef[:json-key:stage:version]
                let keep: Vec<&str> = value_from.split(':').take(7).collect();
                if resource.starts_with("secret:") && keep.len() == 7 {
                    SecretSource::SecretsManager(keep.join(":"))
                } else {
                    SecretSource::Unknown
                }
            }
            "ssm" if resource.starts_with("parameter/") => {
                SecretSource::Parameter(value_from.to_string())
            }
            _ => SecretSource::Unknown,
        };
    }
    if value_from.trim().is_empty() || value_from.starts_with("arn:") {
        return SecretSource::Unknown;
    }
    let name = value_from.trim_start_matches('/');
    match place.arn(
        "ssm",
        "parameter",
        &[("ParameterNameWithoutLeadingSlash", name)],
    ) {
        Ok(arn) => SecretSource::Parameter(arn),
        Err(_) => SecretSource::Unknown,
    }
}

/// The bucket and key of an S3 object ARN (`arn:aws:s3:::bucket/key`).
pub fn s3_object(arn: &str) -> Option<(String, String)> {
    let [_, service, _, _, resource] = split_arn(arn)?;
    if service != "s3" {
        return None;
    }
    let (bucket, key) = resource.split_once('/')?;
    if bucket.is_empty() || key.is_empty() {
        return None;
    }
    Some((bucket.to_string(), key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place() -> Place {
        Place {
            partition: "aws".into(),
            region: "eu-west-1".into(),
            account: "111122223333".into(),
        }
    }

    #[test]
    fn arns_come_from_the_catalog_formats() {
        let p = place();
        assert_eq!(
            p.arn(
                "ecs",
                "task-definition",
                &[
                    ("TaskDefinitionFamilyName", "web"),
                    ("TaskDefinitionRevisionNumber", "3")
                ]
            ),
            Ok("arn:aws:ecs:eu-west-1:111122223333:task-definition/web:3".into())
        );
        assert_eq!(
            p.arn("iam", "role", &[("RoleNameWithPath", "ci/deploy")]),
            Ok("arn:aws:iam::111122223333:role/ci/deploy".into())
        );
        assert!(p.arn("ecs", "task-definition", &[]).is_err());
        assert!(p.arn("ecs", "no-such-type", &[]).is_err());
    }

    #[test]
    fn ecr_images() {
        assert_eq!(
            ecr_image("111122223333.dkr.ecr.eu-west-1.amazonaws.com/team/web:1.2"),
            Some(EcrImage {
                account: "111122223333".into(),
                region: "eu-west-1".into(),
                repository: "team/web".into()
            })
        );
        assert_eq!(
            ecr_image("111122223333.dkr.ecr.us-east-1.amazonaws.com/web@sha256:abc")
                .map(|i| i.repository),
            Some("web".into())
        );
        assert_eq!(ecr_image("nginx:latest"), None);
        assert_eq!(ecr_image("public.ecr.aws/nginx/nginx:1"), None);
        assert_eq!(ecr_image("docker.io/library/nginx"), None);
    }

    #[test]
    fn secrets() {
        let p = place();
        assert_eq!(
            secret_source(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf:password::",
                &p
            ),
            SecretSource::SecretsManager(
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf".into()
            )
        );
        assert_eq!(
            secret_source("/app/db_url", &p),
            SecretSource::Parameter(
                "arn:aws:ssm:eu-west-1:111122223333:parameter/app/db_url".into()
            )
        );
        assert_eq!(secret_source("arn:aws:s3:::x/y", &p), SecretSource::Unknown);
        assert_eq!(secret_source("", &p), SecretSource::Unknown);
    }
}
