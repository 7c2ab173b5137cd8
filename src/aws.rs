//! The one place that knows how AWS clients are made.
//!
//! [`Clients::connect`] loads the SDK configuration once (explicit
//! credentials, profile, region, endpoint) and builds the IAM, S3 and STS
//! clients from it. Commands receive `&Clients` and never build their own.

use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig, timeout::TimeoutConfig};
use aws_credential_types::Credentials;

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
    /// The custom endpoint URL, when one is set (object URLs use it).
    pub endpoint_url: Option<String>,
}

impl Clients {
    /// Load the SDK configuration for `connection` and build the clients.
    pub async fn connect(connection: &Connection) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .build(),
        );
        if let Some(profile) = &connection.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(region) = &connection.region {
            loader = loader.region(Region::new(region.clone()));
        }
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
        Self::from_config(&with_default_region(loader.load().await))
    }

    /// Build the clients from a loaded configuration.
    ///
    /// With a custom endpoint (from `--endpoint-url` or `AWS_ENDPOINT_URL`), S3
    /// uses path-style addressing: emulators and most S3-compatible services
    /// do not resolve `bucket.host` names.
    pub fn from_config(config: &SdkConfig) -> Self {
        let s3_config = aws_sdk_s3::config::Builder::from(config)
            .force_path_style(config.endpoint_url().is_some())
            .build();
        let region = config
            .region()
            .map_or_else(|| DEFAULT_REGION.to_owned(), ToString::to_string);
        let endpoint = config
            .endpoint_url()
            .map_or_else(|| format!("AWS (region {region})"), str::to_owned);
        Self {
            iam: aws_sdk_iam::Client::new(config),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            sts: aws_sdk_sts::Client::new(config),
            region,
            endpoint,
            endpoint_url: config.endpoint_url().map(str::to_owned),
        }
    }
}

/// AWS needs a region even for global services; fall back to us-east-1.
fn with_default_region(config: SdkConfig) -> SdkConfig {
    if config.region().is_some() {
        return config;
    }
    config
        .into_builder()
        .region(Region::from_static(DEFAULT_REGION))
        .build()
}
