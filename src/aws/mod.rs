//! The one place that knows how AWS clients are made.
//!
//! [`Clients::connect`] loads the SDK configuration once (explicit
//! credentials, profile, region, endpoint) and builds the IAM, S3 and STS
//! clients from it. Commands receive `&Clients` and never build their own.
//!
//! Beside it: [`region`] sends each bucket request to the bucket's region,
//! [`bucket_config`] reads and explains a bucket's configuration,
//! [`creations`] keeps the IAM client from repeating a creation blindly.

pub mod bucket_config;
pub mod creations;
pub mod region;

use std::time::Duration;

use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::aws::region::BucketRegions;
use crate::error::AwsError;
use crate::settings::Connection;

/// The region used when neither the options, the environment nor the profile name one.
pub const DEFAULT_REGION: &str = "us-east-1";

/// How long to wait for a TCP/TLS connection before giving up on an attempt.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The AWS clients a command may use.
#[derive(Debug, Clone)]
pub struct Clients {
    /// IAM: users, roles, policies, access keys.
    pub iam: aws_sdk_iam::Client,
    /// S3: buckets and objects.
    pub s3: aws_sdk_s3::Client,
    /// STS: caller identity and temporary credentials.
    pub sts: aws_sdk_sts::Client,
    /// The region requests are signed for.
    pub region: String,
    /// Where requests go, for error messages: the custom endpoint, or AWS.
    pub endpoint: String,
    /// The profile credentials come from, when one was chosen.
    pub profile: Option<String>,
    /// The configuration the clients were built from.
    config: SdkConfig,
    /// The custom endpoint URL, when one is set (object URLs use it).
    pub endpoint_url: Option<String>,
    /// The buckets' regions learned in this run, shared with the S3 client.
    pub(crate) regions: BucketRegions,
}

impl Clients {
    /// Load the SDK configuration for `connection` and build the clients.
    pub async fn connect(connection: &Connection) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .read_timeout(connection.read_timeout)
                .build(),
        );
        if let Some(profile) = &connection.profile {
            loader = loader.profile_name(profile);
        }
        loader = loader.region(region_chain(connection));
        if let Some(credentials) = &connection.credentials {
            loader = loader.credentials_provider(Credentials::new(
                &credentials.access_key_id,
                &credentials.secret_access_key,
                credentials.session_token.clone(),
                None,
                "s3-credentials",
            ));
        }
        if let Some(url) = &connection.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        let mut clients = Self::from_config(&loader.load().await);
        clients.profile = connection
            .profile
            .clone()
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()));
        clients
    }

    /// The `Error: ...` line for one failed item of a command that carries on
    /// with the others: `error` explained as [`Self::explain`] does, then
    /// rendered by [`crate::error::failure_text`].
    pub(crate) fn error_line(&self, error: anyhow::Error) -> String {
        crate::error::failure_text(&self.explain(error))
    }

    /// Add what only the clients know to an AWS error anywhere in `error`'s
    /// chain: the endpoint of a failed connection, the profile of missing
    /// credentials.
    pub fn explain(&self, mut error: anyhow::Error) -> anyhow::Error {
        if let Some(aws) = error.downcast_mut::<AwsError>() {
            aws.endpoint = Some(self.endpoint.clone());
            aws.profile.clone_from(&self.profile);
        }
        error
    }

    /// When the credentials in use stop working, for credentials that say so
    /// (temporary ones: a profile's role, SSO, `credential_process`); `None`
    /// for long-term keys or when they cannot be loaded.
    pub async fn credentials_expiry(&self) -> Option<std::time::SystemTime> {
        use aws_credential_types::provider::ProvideCredentials;
        let provider = self.config.credentials_provider()?;
        provider.provide_credentials().await.ok()?.expiry()
    }

    /// The same connection (endpoint, region) with other credentials: used to
    /// try out credentials this tool just created.
    pub fn with_credentials(&self, credentials: Credentials) -> Self {
        let config = self
            .config
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        Self::from_config(&config)
    }

    /// Build the clients from a loaded configuration.
    ///
    /// With a custom endpoint (from `--endpoint-url` or `AWS_ENDPOINT_URL`), S3
    /// uses path-style addressing: emulators and most S3-compatible services
    /// do not resolve `bucket.host` names.
    pub fn from_config(config: &SdkConfig) -> Self {
        let regions = BucketRegions::default();
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .interceptor(regions.clone())
            .retry_classifier(regions.clone())
            .build();
        let region = config
            .region()
            .map_or_else(|| DEFAULT_REGION.to_owned(), ToString::to_string);
        let endpoint = config
            .endpoint_url()
            .map_or_else(|| format!("AWS (region {region})"), str::to_owned);
        let iam_config = aws_sdk_iam::config::Builder::from(config)
            .interceptor(creations::OnceUnlessRefused)
            .build();
        Self {
            iam: aws_sdk_iam::Client::from_conf(iam_config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sts: aws_sdk_sts::Client::new(config),
            region,
            endpoint,
            profile: None,
            config: config.clone(),
            endpoint_url: config.endpoint_url().map(str::to_owned),
            regions,
        }
    }
}

/// `--region`, else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the profile's
/// region, else us-east-1 (AWS needs a region even for global services).
///
/// Instance metadata is deliberately not asked: off EC2 that lookup only adds
/// seconds of waiting to every command.
fn region_chain(connection: &Connection) -> RegionProviderChain {
    let mut profile = ProfileFileRegionProvider::builder();
    if let Some(name) = &connection.profile {
        profile = profile.profile_name(name);
    }
    RegionProviderChain::first_try(connection.region.clone().map(Region::new))
        .or_else(EnvironmentVariableRegionProvider::new())
        .or_else(profile.build())
        .or_else(Region::from_static(DEFAULT_REGION))
}
