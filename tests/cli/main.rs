//! End-to-end tests: the built binary against local moto servers.
//!
//! One module per command; connection options and errors shared by every
//! command are in `connection`. New tests go in the module of the command
//! they exercise. The harness is in `tests/common`.

#[path = "../common/mod.rs"]
mod common;

mod connection;
mod delete_objects;
mod delete_user;
mod get_object;
mod get_objects;
mod list_bucket;
mod list_buckets;
mod list_roles;
mod list_user_policies;
mod list_users;
mod put_object;
mod put_objects;
mod usage;
mod whoami;
