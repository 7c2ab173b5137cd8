//! End-to-end tests: the built binary against local moto servers.
//!
//! One module per command; connection options and errors shared by every
//! command are in `connection`. New tests go in the module of the command
//! they exercise. The harness is in `tests/common`.

// A test reports failure by panicking, so `unwrap`, `expect` and `panic!`
// are how it says what went wrong. The harness signals children, makes
// FIFOs and sets rlimits through libc, which needs `unsafe`; every block
// still says why it is sound (`clippy::undocumented_unsafe_blocks`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unsafe_code,
    reason = "test code: see the comment above"
)]

#[path = "../common/mod.rs"]
mod common;

mod aws_iam_proxy;
mod bad_input;
mod bucket_setup;
mod checksum_settings;
mod closed_stderr;
mod completions;
mod connection;
mod create;
mod create_faults;
mod create_keys;
mod create_races;
mod create_role;
mod create_role_faults;
mod create_role_shared;
mod create_tags;
mod create_unanswered;
mod create_undo_exact;
mod debug_bucket;
mod delete_objects;
mod delete_role;
mod delete_user;
mod delete_user_expired;
mod docs;
mod emit;
mod get_object;
mod get_objects;
mod interrupts;
mod list_bucket;
mod list_buckets;
mod list_credentials;
mod list_credentials_warnings;
mod list_roles;
mod list_user_policies;
mod list_users;
mod localserver;
mod managed_faults;
mod managed_policies;
mod missing_bucket;
mod narrow_grant_tags;
mod output_modes;
mod permissions;
mod permissions_documented;
mod policy;
mod policy_size;
mod presign;
mod put_object;
mod put_objects;
mod read_timeout;
mod region;
mod rotate_key;
mod s3s_fs;
mod secrets;
mod set_bucket_policy;
mod set_cors_policy;
mod set_public_access_block;
mod source_ip;
mod special_files;
mod usage;
mod whoami;
