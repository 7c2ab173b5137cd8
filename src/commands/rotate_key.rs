//! `rotate-key`: replace a user's access key.
//!
//! Steps: look at the user's keys (refusing, before any change, a user with
//! two keys unless `--delete` names the one to make room with), create the
//! new key, wait until AWS accepts it if asked, deactivate the previous key,
//! and only then print the new key exactly as `create` does; with
//! `--delete-old` the previous key, already inactive, is deleted last.
//! Standard output gets a key only once the rotation is complete. If any
//! step before printing fails, or Ctrl+C arrives, the new key is deleted
//! again and the previous key is left (or made again) as it was; a failure
//! after printing never takes the printed key back. As in `create`, a
//! signal stops the run at its next step rather than mid-request.

use std::io::Write;
use std::time::Duration;

use aws_sdk_iam::types::{AccessKeyMetadata, StatusType};

use crate::aws::Clients;
use crate::cli::RotateKeyArgs;
use crate::error::{AwsResultExt, ExitStatus};
use crate::iam::new_credentials::{NewCredentials, Waited, create_access_key, wait_for};
use crate::iam::not_found;
use crate::iam::teardown::Step;
use crate::output::Console;
use crate::stopping::{Stopping, until_stopped};

/// IAM allows a user at most this many access keys.
const MAX_ACCESS_KEYS: usize = 2;

/// How long `--wait` waits for the new key, unless told otherwise.
const WAIT_LIMIT: Duration = Duration::from_secs(60);

/// What the rotation will do with the keys the user has.
#[derive(Debug, PartialEq, Eq)]
struct Rotation {
    /// Deleted first, to make room (`--delete`).
    make_room: Option<String>,
    /// Retired before the new key is printed.
    previous: Option<String>,
}

/// What the run has changed so far, for the undo.
#[derive(Debug, Default)]
struct Progress {
    /// Keys this run made: the new one, or one an unanswered
    /// `CreateAccessKey` left on the user.
    made: Vec<String>,
    /// The previous key may be inactive now: its deactivation succeeded, or
    /// got no answer.
    deactivated: bool,
    /// The new key was printed: from then on it is never taken back.
    printed: bool,
}

/// Rotate the key, or explain why not before changing anything.
pub(crate) async fn run(
    args: &RotateKeyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
) -> anyhow::Result<ExitStatus> {
    let user = crate::settings::names::user_argument(&args.username)?;
    let keys = list_keys(clients, user).await?;
    let listed: Vec<(&str, &str)> = keys
        .iter()
        .filter_map(|k| Some((k.access_key_id()?, k.status().map_or("", |s| s.as_str()))))
        .collect();
    let rotation = rotation(user, &listed, args.delete.as_deref())?;
    let previous_active = listed.iter().any(|(id, status)| {
        rotation.previous.as_deref() == Some(*id) && status.eq_ignore_ascii_case("active")
    });
    let known: Vec<String> = listed
        .iter()
        .filter(|(id, _)| rotation.make_room.as_deref() != Some(*id))
        .map(|(id, _)| (*id).to_owned())
        .collect();
    // Ctrl+C or SIGTERM from here on: no request is dropped half-way (its
    // change would go unseen); the run stops at its next step and the new
    // key is taken back.
    let stopping = Stopping::default();
    let mut progress = Progress::default();
    let work = rotate(args, clients, console, &rotation, &known, &stopping, &mut progress);
    if let Err(error) = until_stopped(work, &stopping).await {
        let previous = rotation.previous.as_deref();
        if progress.printed {
            if let Some(previous) = previous {
                writeln!(
                    console.err,
                    "The new access key {} was printed and is kept; access key {previous} is \
                     inactive but was not deleted",
                    progress.made.join(", ")
                )?;
            }
        } else {
            let previous = previous.map(|id| (id, previous_active && progress.deactivated));
            undo(clients, console.err, user, &progress.made, previous).await?;
        }
        return Err(error);
    }
    Ok(ExitStatus::Success)
}

/// Make room if asked, create the new key (its ID goes to `progress` at
/// once, for the undo), then wait, retire the previous key and print.
async fn rotate(
    args: &RotateKeyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
    rotation: &Rotation,
    known: &[String],
    stopping: &Stopping,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    let user = &args.username;
    if let Some(id) = &rotation.make_room {
        stopping.check()?;
        delete_key(clients, user, id).await?;
        say(args, console.err, &format!("Deleted access key: {id}"))?;
    }
    stopping.check()?;
    let made = &mut progress.made;
    let key = create_access_key(clients, user, known, console.err, |id| made.push(id)).await?;
    let id = key.access_key_id().to_owned();
    progress.made.push(id.clone());
    say(
        args,
        console.err,
        &format!("Created access key {id} for user: {user}"),
    )?;
    let credentials = NewCredentials::Permanent {
        user: user.clone(),
        key,
    };
    if args.wait {
        let limit = args.wait_limit.map_or(WAIT_LIMIT, Duration::from_secs);
        if let Waited::NotAccepted(last) =
            wait_for(clients, &credentials, stopping, console.err, limit).await?
        {
            let last = last.map(|error| format!(" ({error})")).unwrap_or_default();
            anyhow::bail!(
                "AWS did not accept the new access key {id} within {} seconds{last}",
                limit.as_secs()
            );
        }
    }
    finish(args, clients, console, &credentials, rotation, stopping, progress).await
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

/// Deactivate the previous key, print the new one (the rotation is
/// complete), then delete the previous key with `--delete-old`.
async fn finish(
    args: &RotateKeyArgs,
    clients: &Clients,
    console: &mut Console<'_>,
    credentials: &NewCredentials,
    rotation: &Rotation,
    stopping: &Stopping,
    progress: &mut Progress,
) -> anyhow::Result<()> {
    let user = &args.username;
    if let Some(previous) = &rotation.previous {
        stopping.check()?;
        let request = clients.iam.update_access_key().user_name(user);
        let request = request.access_key_id(previous).status(StatusType::Inactive);
        if let Err(error) = request.send().await.aws("UpdateAccessKey") {
            progress.deactivated = error.outcome_unknown();
            return Err(error.into());
        }
        progress.deactivated = true;
        say(
            args,
            console.err,
            &format!("Deactivated access key: {previous}"),
        )?;
    }
    // The last check: a signal after it comes once the key is as good as
    // printed.
    stopping.check()?;
    let text = credentials.render(args.format);
    console
        .out
        .write_all(text.as_bytes())
        .and_then(|()| console.out.flush())
        .map_err(|e| anyhow::anyhow!("could not print the new key: {e}"))?;
    progress.printed = true;
    match &rotation.previous {
        Some(previous) if args.delete_old => {
            delete_key(clients, user, previous).await?;
            say(
                args,
                console.err,
                &format!("Deleted access key: {previous}"),
            )?;
        }
        _ => {}
    }
    Ok(())
}

/// Delete the keys this run made, and reactivate the previous key if this
/// run deactivated it (`previous` is its ID and whether to reactivate it).
async fn undo(
    clients: &Clients,
    err: &mut dyn Write,
    user: &str,
    made: &[String],
    previous: Option<(&str, bool)>,
) -> std::io::Result<()> {
    if made.is_empty() && !previous.is_some_and(|(_, reactivate)| reactivate) {
        return Ok(());
    }
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
    match previous {
        Some((previous, true)) => {
            let request = clients.iam.update_access_key().user_name(user);
            let request = request.access_key_id(previous).status(StatusType::Active);
            match request.send().await.aws("UpdateAccessKey") {
                Ok(_) => writeln!(err, "  Reactivated access key: {previous}")?,
                Err(error) => writeln!(
                    err,
                    "  Could not reactivate access key {previous}: {}",
                    crate::error::one_line(&error.to_string())
                )?,
            }
        }
        Some((previous, false)) => writeln!(err, "  Access key {previous} was left as it was")?,
        None => {}
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
    use crate::error::UsageError;

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
