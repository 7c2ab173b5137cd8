//! `rotate-key`: replace a user's access key.
//!
//! Steps: look at the user's keys (refusing, before any change, a user with
//! two keys unless `--delete` names the one to make room with), create the
//! new key, wait for it if asked, print it exactly as `create` does, then
//! deactivate the previous key (or delete it with `--delete-old`). If any
//! step after the new key exists fails, or Ctrl+C arrives, the new key is
//! deleted again and the previous key is left as it was. As in `create`, a
//! signal stops the run at its next step rather than mid-request.

use std::io::Write;

use aws_sdk_iam::types::{AccessKeyMetadata, StatusType};

use crate::aws::Clients;
use crate::cli::RotateKeyArgs;
use crate::error::{AwsResultExt, ExitStatus, UsageError};
use crate::iam::new_credentials::{NewCredentials, create_access_key, wait_until_accepted};
use crate::iam::not_found;
use crate::iam::teardown::Step;
use crate::output::Console;
use crate::stopping::{Stopping, until_stopped};

/// IAM allows a user at most this many access keys.
const MAX_ACCESS_KEYS: usize = 2;

/// What the rotation will do with the keys the user has.
#[derive(Debug, PartialEq, Eq)]
struct Rotation {
    /// Deleted first, to make room (`--delete`).
    make_room: Option<String>,
    /// Retired once the new key is printed.
    previous: Option<String>,
}

/// Rotate the key, or explain why not before changing anything.
pub(crate) async fn run(
    args: &RotateKeyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let user = &args.username;
    if user.trim().is_empty() {
        return Err(UsageError::new("the user name cannot be empty").into());
    }
    let keys = list_keys(clients, user).await?;
    let listed: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| Some((k.access_key_id()?, k.status().map_or("", |s| s.as_str()))))
        .collect();
    let rotation = rotation(user, &listed, args.delete.as_deref())?;
    let known: Vec<String> = listed
        .iter()
        .filter(|(id, _)| rotation.make_room.as_deref() != Some(*id))
        .map(|(id, _)| (*id).to_owned())
        .collect();
    // Ctrl+C or SIGTERM from here on: no request is dropped half-way (its
    // change would go unseen); the run stops at its next step and the new
    // key is taken back.
    let stopping = Stopping::default();
    let mut made = Vec::new();
    let work = rotate(args, clients, console, &rotation, &known, &stopping, &mut made);
    if let Err(error) = until_stopped(work, &stopping).await {
        if !made.is_empty() {
            let previous = rotation.previous.as_deref();
            undo(clients, console.err, user, &made, previous).await?;
        }
        return Err(error);
    }
    Ok(ExitStatus::Success)
}

/// Make room if asked, create the new key (its ID goes to `made` at once,
/// for the undo, as does any key an unanswered `CreateAccessKey` left),
/// then wait, print and retire the previous key.
async fn rotate(
    args: &RotateKeyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
    rotation: &Rotation,
    known: &[String],
    stopping: &Stopping,
    made: &mut Vec<String>,
) -> anyhow::Result<()> {
    let user = &args.username;
    if let Some(id) = &rotation.make_room {
        stopping.check()?;
        delete_key(clients, user, id).await?;
        say(args, console.err, &format!("Deleted access key: {id}"))?;
    }
    stopping.check()?;
    let key = create_access_key(clients, user, known, console.err, |id| made.push(id)).await?;
    let id = key.access_key_id().to_owned();
    made.push(id.clone());
    say(
        args,
        console.err,
        &format!("Created access key {id} for user: {user}"),
    )?;
    let credentials = NewCredentials::Permanent {
        user: user.clone(),
        key,
    };
    finish(
        args,
        clients,
        console,
        &credentials,
        rotation.previous.as_deref(),
        stopping,
    )
    .await
}

/// A step's log line, unless `--silent`.
fn say(args: &RotateKeyArgs, err: &mut dyn Write, line: &str) -> std::io::Result<()> {
    if args.silent {
        Ok(())
    } else {
        writeln!(err, "{line}")
    }
}

/// Decide which keys to delete and retire, given `(id, status)` of each of
/// the user's keys; refuse a full user unless `delete` names one of its keys.
fn rotation(user: &str, keys: &[(&str, &str)], delete: Option<&str>) -> anyhow::Result<Rotation> {
    let ids: Vec<&str> = keys.iter().map(|(id, _)| *id).collect();
    match (ids.as_slice(), delete) {
        ([first, second], None) => {
            let described: Vec<String> = keys
                .iter()
                .map(|(id, status)| format!("{id} {}", status.to_lowercase()))
                .collect();
            anyhow::bail!(
                "user `{user}` already has {MAX_ACCESS_KEYS} access keys ({}), the most IAM \
                 allows: name the one to delete first with `--delete {first}` or `--delete {second}`",
                described.join(", ")
            )
        }
        ([first, second], Some(id)) if id == *first || id == *second => Ok(Rotation {
            make_room: Some(id.to_owned()),
            previous: Some(if id == *first { second } else { first }.to_string()),
        }),
        // Found by asking IAM, not wrong on the command line itself: not a
        // usage error (exit 2), like the other refusals here.
        (_, Some(id)) if ids.len() < MAX_ACCESS_KEYS => anyhow::bail!(
            "--delete {id}: user `{user}` has room for a new key; --delete is only for a user \
             with {MAX_ACCESS_KEYS} keys (to delete the previous key afterwards, use --delete-old)"
        ),
        (_, Some(id)) => anyhow::bail!(
            "--delete {id}: user `{user}` has no such access key (it has {})",
            ids.join(", ")
        ),
        (_, None) => Ok(Rotation {
            make_room: None,
            previous: ids.first().map(|id| (*id).to_owned()),
        }),
    }
}

/// Wait if asked, print the new key, then retire the previous one.
async fn finish(
    args: &RotateKeyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
    credentials: &NewCredentials,
    previous: Option<&str>,
    stopping: &Stopping,
) -> anyhow::Result<()> {
    if args.wait {
        wait_until_accepted(clients, credentials, stopping, console.err).await?;
    }
    let text = credentials.render(args.format);
    console
        .out
        .write_all(text.as_bytes())
        .and_then(|()| console.out.flush())
        .map_err(|e| anyhow::anyhow!("could not print the new key: {e}"))?;
    let Some(previous) = previous else {
        return Ok(());
    };
    stopping.check()?;
    let user = &args.username;
    if args.delete_old {
        delete_key(clients, user, previous).await?;
        say(
            args,
            console.err,
            &format!("Deleted access key: {previous}"),
        )
    } else {
        let request = clients.iam.update_access_key().user_name(user);
        let request = request.access_key_id(previous).status(StatusType::Inactive);
        request.send().await.aws("UpdateAccessKey")?;
        say(
            args,
            console.err,
            &format!("Deactivated access key: {previous}"),
        )
    }
    .map_err(Into::into)
}

/// Delete the keys this run made again; the previous key was not changed
/// (retiring it is the last step, and it is what failed if it was reached).
async fn undo(
    clients: &Clients,
    err: &mut dyn Write,
    user: &str,
    made: &[String],
    previous: Option<&str>,
) -> std::io::Result<()> {
    writeln!(err, "Undoing the changes made so far:")?;
    for new_id in made {
        match delete_key(clients, user, new_id).await {
            Ok(()) => writeln!(err, "  Deleted the new access key: {new_id}")?,
            Err(error) => writeln!(
                err,
                "  Could not delete the new access key {new_id}: {}",
                crate::error::one_line(&format!("{error:#}"))
            )?,
        }
    }
    if let Some(previous) = previous {
        writeln!(err, "  Access key {previous} was left as it was")?;
    }
    Ok(())
}

/// The user's access keys; a missing user said plainly.
async fn list_keys(clients: &Clients, user: &str) -> anyhow::Result<Vec<AccessKeyMetadata>> {
    crate::iam::access_keys(clients, user)
        .await
        .map_err(|error| not_found(error, "user", user))
}

async fn delete_key(clients: &Clients, user: &str, id: &str) -> anyhow::Result<()> {
    Ok(Step::access_key(user, id).run(clients).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(ids: &[&str], delete: Option<&str>) -> Result<Rotation, String> {
        let keys: Vec<(&str, &str)> = ids
            .iter()
            .map(|id| (*id, if *id == "A" { "Inactive" } else { "Active" }))
            .collect();
        rotation("u", &keys, delete).map_err(|e| e.to_string())
    }

    #[test]
    fn plans_for_each_number_of_keys() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            planned(&[], None),
            Ok(Rotation {
                make_room: None,
                previous: None
            })
        );
        assert_eq!(
            planned(&["A"], None),
            Ok(Rotation {
                make_room: None,
                previous: some("A")
            })
        );
        assert_eq!(
            planned(&["A", "B"], Some("B")),
            Ok(Rotation {
                make_room: some("B"),
                previous: some("A")
            })
        );
        assert_eq!(
            planned(&["A", "B"], None).unwrap_err(),
            "user `u` already has 2 access keys (A inactive, B active), the most IAM allows: name the one to \
             delete first with `--delete A` or `--delete B`"
        );
        assert_eq!(
            planned(&["A", "B"], Some("C")).unwrap_err(),
            "--delete C: user `u` has no such access key (it has A, B)"
        );
        let error = rotation("u", &[("A", "Active")], Some("A")).unwrap_err();
        assert!(error.downcast_ref::<UsageError>().is_none(), "{error}");
    }
}
