//! `create` interrupted at any moment, and two runs creating one bucket at
//! once: what a run leaves behind is only what it finished, and what it
//! undoes is only what it provably created. Requests go through a proxy in
//! front of moto that makes AWS's latency (or a race) happen on cue.

use std::process::Child;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::common::iam::{access_keys, user_exists};
use crate::common::proxy::Proxy;
use crate::common::s3::bucket_exists;
use crate::common::{Output, TEST_KEY, moto, s3c, unique};

/// Every request takes this long, as across an ocean.
const LATENCY: Duration = Duration::from_millis(700);

/// Send `signal` to a run and collect what it printed.
fn signal_and_wait(child: Child, signal: libc::c_int) -> (Output, Duration) {
    crate::common::child::signal(&child, signal);
    let sent = Instant::now();
    let output = Output::collect(child);
    (output, sent.elapsed())
}

/// `create BUCKET -c` through its own latency proxy, interrupted 0.3 s
/// after its `nth` request reached the proxy, while that request is in
/// flight: (bucket, output, time to exit).
fn interrupted_create(nth: usize) -> (String, Output, Duration) {
    let arrived = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&arrived);
    let proxy = Proxy::with_faults(
        &moto().endpoint,
        Arc::new(move |_| {
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(LATENCY);
            None
        }),
    );
    let bucket = unique("interrupt");
    let child = s3c(&["create", &bucket, "-c"])
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .spawn();
    let mut child = child;
    let deadline = Instant::now() + Duration::from_secs(30);
    while arrived.load(Ordering::SeqCst) < nth {
        assert!(Instant::now() < deadline, "create never sent request {nth}");
        if let Ok(Some(_)) = child.try_wait() {
            // Done in fewer requests: reported by the caller (exit code 0).
            return (bucket, Output::collect(child), Duration::ZERO);
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (output, took) = signal_and_wait(child, libc::SIGINT);
    // A request the run gave up on still reaches moto once its latency is
    // over, as it would reach AWS: look at the state only after that.
    std::thread::sleep(2 * LATENCY);
    (bucket, output, took)
}

#[test]
fn an_interrupt_at_any_moment_leaves_nothing_behind() {
    // The requests, 0.7 s each: HeadBucket and GetUser at once, then
    // CreateBucket, the claim (PutObject), CreateUser, PutUserPolicy,
    // CreateAccessKey, DeleteObject (the claim). Interrupted during each.
    let runs: Vec<_> = (2..=8)
        .map(|nth| std::thread::spawn(move || (nth, interrupted_create(nth))))
        .collect();
    let clients = moto().clients();
    let mut problems = Vec::new();
    for run in runs {
        let (nth, (bucket, output, took)) = run.join().unwrap();
        let user = format!("s3.read-write.{bucket}");
        let mut problem = |what: String| problems.push(format!("during request {nth}: {what}"));
        if (output.code, output.stdout.as_str()) != (1, "")
            || !output.stderr.ends_with("Error: interrupted by Ctrl+C\n")
        {
            problem(format!("exit {}, output {output:#?}", output.code));
        }
        // One request in flight, then up to five undone, at 0.7 s each.
        if took > Duration::from_secs(8) {
            problem(format!("took {took:?} to stop"));
        }
        if bucket_exists(&clients, &bucket) {
            problem(format!("bucket left behind: {:?}", output.stderr));
        }
        if user_exists(&clients, &user) {
            problem(format!("user left behind: {:?}", output.stderr));
        }
        for (made, undone) in [
            (
                format!("Created bucket: {bucket}\n"),
                format!("  Deleted bucket: {bucket}\n"),
            ),
            (
                format!("Created user: {user}"),
                format!("  Deleted user: {user}\n"),
            ),
            (
                "Created access key".to_owned(),
                "  Deleted access key: ".to_owned(),
            ),
        ] {
            if output.stderr.contains(&made) != output.stderr.contains(&undone) {
                problem(format!("{made:?} without {undone:?}: {:?}", output.stderr));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// Two runs `create BUCKET -c` that both find the bucket missing (the proxy
/// holds their HeadBucket requests until both have arrived), at 0.7 s a
/// request; the second, signed with another key, 0.3 s behind the first.
/// The second run's `CreateUser` is also held until the first run has
/// moved past its own, so the first wins the user however loaded the
/// machine is.
fn race(bucket: &str, extra: &[&str]) -> (Output, Output) {
    const SLOW_KEY: &str = "AKIASLOWSLOWSLOWSLOW";
    let arrived = Arc::new((Mutex::new(0), Condvar::new()));
    // How far the first run got: 1 once it sent CreateUser, 2 once it sent
    // anything after that (so its CreateUser was answered).
    let first_run = Arc::new((Mutex::new(0), Condvar::new()));
    let path = format!("/{bucket}");
    let proxy = Proxy::with_faults(
        &moto().endpoint,
        Arc::new(move |request| {
            std::thread::sleep(LATENCY);
            let action = request.form("Action");
            let slow = request.authorization.contains(SLOW_KEY);
            if slow {
                std::thread::sleep(Duration::from_millis(300));
                if action.as_deref() == Some("CreateUser") {
                    let (stage, moved) = &*first_run;
                    let stage = stage.lock().unwrap();
                    let wait = moved.wait_timeout_while(stage, Duration::from_secs(30), |n| *n < 2);
                    drop(wait.unwrap());
                }
            } else {
                let (stage, moved) = &*first_run;
                let mut stage = stage.lock().unwrap();
                if action.as_deref() == Some("CreateUser") {
                    *stage = 1;
                } else if *stage == 1 {
                    *stage = 2;
                    moved.notify_all();
                }
            }
            if request.method == "HEAD" && request.path == path {
                let (count, both) = &*arrived;
                let mut count = count.lock().unwrap();
                *count += 1;
                both.notify_all();
                let wait = both.wait_timeout_while(count, Duration::from_secs(10), |n| *n < 2);
                drop(wait.unwrap());
            }
            None
        }),
    );
    let mut args = vec!["create", bucket, "-c"];
    args.extend_from_slice(extra);
    let spawn = |key: &str| {
        let run = s3c(&args).env("AWS_ENDPOINT_URL", &proxy.endpoint);
        run.env("AWS_ACCESS_KEY_ID", key).spawn()
    };
    let (first, second) = (spawn(TEST_KEY), spawn(SLOW_KEY));
    (Output::collect(first), Output::collect(second))
}

#[test]
fn two_runs_creating_one_bucket_undo_only_what_each_created() {
    // us-east-1 answers 200 to both CreateBucket calls; elsewhere the second
    // gets 409 BucketAlreadyOwnedByYou.
    for (extra, created) in [
        (&[][..], ""),
        (
            &["--bucket-region", "eu-west-1"][..],
            " in region: eu-west-1",
        ),
    ] {
        let bucket = unique("conc-bkt");
        let user = format!("s3.read-write.{bucket}");
        let (winner, loser) = race(&bucket, extra);
        let stdout = winner.success_with_stderr(&format!(
            "Created bucket: {bucket}{created}\nCreated user: {user} with permissions boundary: \
             arn:aws:iam::aws:policy/AmazonS3FullAccess\nAttached policy {user} to user {user}\n\
             Created access key for user: {user}\n"
        ));
        let key: serde_json::Value = serde_json::from_str(stdout).unwrap();
        // The loser created nothing: it fails at CreateUser (the winner made
        // the user) and has nothing to undo, least of all the bucket.
        assert_eq!((loser.code, loser.stdout.as_str()), (1, ""), "{loser:#?}");
        let (first, rest) = loser.stderr.split_once('\n').unwrap();
        assert_eq!(
            first,
            format!("Bucket {bucket} was created by someone else meanwhile: using it"),
            "{loser:#?}"
        );
        assert!(rest.starts_with("Error: CreateUser failed: "), "{loser:#?}");
        assert!(!rest.contains("Undoing"), "{loser:#?}");
        let clients = moto().clients();
        assert!(bucket_exists(&clients, &bucket));
        assert_eq!(
            access_keys(&clients, &user),
            [key["AccessKeyId"].as_str().unwrap()]
        );
        // The claim that proved the winner's creation is gone.
        let listed = crate::common::block_on(clients.s3.list_objects_v2().bucket(&bucket).send());
        assert_eq!(listed.unwrap().key_count(), Some(0), "{extra:?}");
    }
}

/// What held up in issue 12 and must keep holding: runs of `create
/// --duration` at once, on an account without the role, all succeed; one
/// creates the role, the others use it, none undoes anything.
#[test]
fn concurrent_temporary_credentials_share_one_new_role() {
    let (_lock, server) = crate::common::exclusive_moto();
    let bucket = unique("tmp-conc");
    crate::common::block_on(server.clients().s3.create_bucket().bucket(&bucket).send()).unwrap();
    let runs: Vec<Child> = (0..3)
        .map(|_| {
            s3c(&["create", &bucket, "--duration", "15m"])
                .against(server)
                .spawn()
        })
        .collect();
    let outputs: Vec<Output> = runs.into_iter().map(Output::collect).collect();
    let mut created = 0;
    for output in &outputs {
        let stderr = &output.stderr;
        assert_eq!(output.code, 0, "{stderr}");
        let key: serde_json::Value = serde_json::from_str(&output.stdout).unwrap();
        assert!(key["SessionToken"].is_string());
        assert!(!stderr.contains("Undoing"), "{stderr}");
        created += usize::from(stderr.contains("Created role: "));
    }
    assert_eq!(created, 1, "one run creates the role");
    let role = crate::common::block_on(
        server
            .clients()
            .iam
            .get_role()
            .role_name("s3-credentials.AmazonS3FullAccess")
            .send(),
    );
    assert!(role.is_ok());
}
