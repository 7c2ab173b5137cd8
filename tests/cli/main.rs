//! End-to-end tests: the built binary against local moto servers.
//!
//! One module per command; connection options and errors shared by every
//! command are in `connection`. New tests go in the module of the command
//! they exercise. The harness is in `tests/common`.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod completions;
mod connection;
mod create;
mod create_faults;
mod delete_user;
mod docs;
mod list_buckets;
mod list_roles;
mod list_user_policies;
mod list_users;
mod output_modes;
mod policy;
mod secrets;
mod usage;
mod whoami;
