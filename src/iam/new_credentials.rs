//! New credentials as `create` and `rotate-key` hand them out: the one
//! place an access key is created (`CreateAccessKey`), waiting until AWS
//! accepts new credentials (`--wait`), and how they are printed.

use std::io::Write;
use std::time::Duration;

use aws_credential_types::Credentials;
use aws_sdk_iam::types::AccessKey;
use serde_json::Value;

use super::temporary::TemporaryCredentials;
use crate::aws::Clients;
use crate::cli::CredentialsFormat;
use crate::error::{AwsError, AwsResultExt};
use crate::output::{Object, timestamp, to_pretty_json};
use crate::stopping::Stopping;

/// How long `--wait` waits for new credentials to be accepted.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// Create an access key for `user`, whose keys were `known` just before.
///
/// IAM may have made the key although its answer never came (a timeout, a
/// broken connection, a `5xx`); the request is not sent again (see
/// [`crate::aws::creations`]). Instead the user's keys are listed: each one
/// not in `known` is said on `log` and handed to `unseen`, for the caller
/// to delete with its undo, and the error is returned. No key this run made
/// is left that nobody saw.
pub async fn create_access_key(
    clients: &Clients,
    user: &str,
    known: &[String],
    log: &mut dyn Write,
    mut unseen: impl FnMut(String),
) -> anyhow::Result<AccessKey> {
    let created = clients
        .iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .aws("CreateAccessKey");
    let error = match created {
        Ok(output) => {
            return output
                .access_key
                .ok_or_else(|| anyhow::anyhow!("CreateAccessKey returned no key"));
        }
        Err(error) if !error.outcome_unknown() => return Err(error.into()),
        Err(error) => error,
    };
    let keys = match super::access_keys(clients, user).await {
        Ok(keys) => keys,
        Err(listing) => anyhow::bail!(
            "{error}; a key it may have made could not be looked for ({listing}): check with \
             `aws iam list-access-keys --user-name {user}`"
        ),
    };
    for id in keys.iter().filter_map(|key| key.access_key_id()) {
        if !known.iter().any(|k| k == id) {
            writeln!(
                log,
                "CreateAccessKey got no answer: its key {id} was found on user {user}"
            )?;
            unseen(id.to_owned());
        }
    }
    Err(error.into())
}

/// New credentials, in the shape AWS returned them.
pub(crate) enum NewCredentials {
    Permanent { user: String, key: AccessKey },
    Temporary(TemporaryCredentials),
}

impl NewCredentials {
    fn sdk_credentials(&self) -> Credentials {
        match self {
            Self::Permanent { key, .. } => Credentials::new(
                key.access_key_id(),
                key.secret_access_key(),
                None,
                None,
                "s3-credentials create",
            ),
            Self::Temporary(t) => Credentials::new(
                &t.access_key_id,
                &t.secret_access_key,
                Some(t.session_token.clone()),
                None,
                "s3-credentials create",
            ),
        }
    }

    /// The credentials as `create` prints them.
    pub(crate) fn render(&self, format: CredentialsFormat) -> String {
        match (self, format) {
            (Self::Permanent { key, .. }, CredentialsFormat::Ini) => format!(
                "[default]\naws_access_key_id={}\naws_secret_access_key={}\n",
                key.access_key_id(),
                key.secret_access_key()
            ),
            (Self::Temporary(t), CredentialsFormat::Ini) => format!(
                "[default]\naws_access_key_id={}\naws_secret_access_key={}\naws_session_token={}\n",
                t.access_key_id, t.secret_access_key, t.session_token
            ),
            (Self::Permanent { user, key }, CredentialsFormat::Json) => {
                let value: Value = Object::new()
                    .with("UserName", user.as_str())
                    .with("AccessKeyId", key.access_key_id())
                    .with("Status", key.status().as_str())
                    .with("SecretAccessKey", key.secret_access_key())
                    .with_opt("CreateDate", key.create_date().map(timestamp))
                    .into();
                format!("{}\n", to_pretty_json(&value))
            }
            (Self::Temporary(t), CredentialsFormat::Json) => {
                let value: Value = Object::new()
                    .with("AccessKeyId", t.access_key_id.as_str())
                    .with("SecretAccessKey", t.secret_access_key.as_str())
                    .with("SessionToken", t.session_token.as_str())
                    .with("Expiration", timestamp(&t.expiration))
                    .into();
                format!("{}\n", to_pretty_json(&value))
            }
        }
    }
}

/// How waiting for new credentials ended.
pub(crate) enum Waited {
    /// AWS accepted them.
    Accepted,
    /// Not within the limit: AWS's last answer, if any came.
    NotAccepted(Option<AwsError>),
}

/// Try the new credentials until AWS accepts them (IAM takes a few seconds
/// to make a new key usable everywhere), at most [`WAIT_LIMIT`]; if it does
/// not, say so and go on.
pub(crate) async fn wait_until_accepted(
    clients: &Clients,
    credentials: &NewCredentials,
    stopping: &Stopping,
    log: &mut dyn Write,
) -> anyhow::Result<()> {
    if let Waited::NotAccepted(_) =
        wait_for(clients, credentials, stopping, log, WAIT_LIMIT).await?
    {
        let warning = format_args!(
            "AWS did not accept the new credentials within {} seconds; they usually \
             start working shortly after",
            WAIT_LIMIT.as_secs()
        );
        writeln!(log, "{}", crate::error::warning_text(warning))?;
    }
    Ok(())
}

/// Try the new credentials until AWS accepts them, at most `limit`.
pub(crate) async fn wait_for(
    clients: &Clients,
    credentials: &NewCredentials,
    stopping: &Stopping,
    log: &mut dyn Write,
    limit: Duration,
) -> anyhow::Result<Waited> {
    let message = "Waiting for AWS to accept the new credentials...";
    // A spinner on a terminal; a plain line where stderr is a file or pipe.
    let spinner = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let spinner = indicatif::ProgressBar::new_spinner().with_message(message);
        spinner.enable_steady_tick(Duration::from_millis(100));
        spinner
    });
    if spinner.is_none() {
        writeln!(log, "{message}")?;
    }
    let probe = clients.with_credentials(credentials.sdk_credentials());
    let mut last = None;
    let accepted = tokio::time::timeout(limit, async {
        loop {
            match probe.sts.get_caller_identity().send().await {
                Ok(_) => return anyhow::Ok(()),
                Err(error) => last = Some(AwsError::from_sdk("GetCallerIdentity", &error)),
            }
            stopping.check()?;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
    .await;
    if let Some(spinner) = spinner {
        spinner.finish_and_clear();
    }
    match accepted {
        Ok(accepted) => {
            accepted?;
            writeln!(log, "The new credentials are ready to use")?;
            Ok(Waited::Accepted)
        }
        Err(_) => Ok(Waited::NotAccepted(last)),
    }
}
