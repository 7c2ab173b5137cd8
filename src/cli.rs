//! The command line, as clap definitions and nothing else.
//!
//! Doc comments here are the `--help` text. Values are kept raw: turning them
//! into validated settings (reading `--auth` files, checking URLs) happens in
//! [`crate::settings`], so that every check lives in one place.

use clap::{Args, Parser, Subcommand};

/// Create AWS credentials that can only access the S3 buckets you name
#[derive(Debug, Parser)]
#[command(name = "s3-credentials", version, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Every subcommand of the tool.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the identity (user or role) that the current credentials belong to
    Whoami(WhoamiArgs),
    /// List the IAM users of the account
    ListUsers(ListUsersArgs),
    /// List the S3 buckets of the account, or only the named ones
    ListBuckets(ListBucketsArgs),
    /// List IAM roles, optionally with their inline and attached policies
    ListRoles(ListRolesArgs),
    /// Show the inline policies of users (all users when none are named)
    ListUserPolicies(ListUserPoliciesArgs),
    /// Delete users with their inline policies, attached policies and access keys
    DeleteUser(DeleteUserArgs),
    /// List the objects in a bucket
    ListBucket(ListBucketArgs),
    /// Upload a file, or standard input, to one key
    PutObject(PutObjectArgs),
    /// Upload files and folders (recursively), several at a time
    PutObjects(PutObjectsArgs),
    /// Download one object to standard output or a file
    GetObject(GetObjectArgs),
    /// Download a whole bucket, named keys or keys matching globs into a folder
    GetObjects(GetObjectsArgs),
    /// Delete the named keys, or every key under a prefix
    DeleteObjects(DeleteObjectsArgs),
}

/// How to reach AWS: shared by every command that makes AWS calls.
///
/// Without any of these, credentials and region come from the standard AWS
/// chain: environment variables, `~/.aws/config` and `~/.aws/credentials`
/// (SSO and `credential_process` included), then container or instance metadata.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "AWS connection")]
pub struct ConnectionArgs {
    /// AWS access key ID
    #[arg(
        long,
        value_name = "KEY",
        requires = "secret_key",
        conflicts_with = "auth"
    )]
    pub access_key: Option<String>,

    /// AWS secret access key
    #[arg(
        long,
        value_name = "SECRET",
        requires = "access_key",
        conflicts_with = "auth"
    )]
    pub secret_key: Option<String>,

    /// AWS session token, for temporary credentials
    #[arg(
        long,
        value_name = "TOKEN",
        requires = "access_key",
        conflicts_with = "auth"
    )]
    pub session_token: Option<String>,

    /// Read credentials from a JSON or INI file (`-` for standard input)
    ///
    /// JSON takes `AccessKeyId`, `SecretAccessKey` and optionally `SessionToken`
    /// (the output of `create`); INI takes the first section that has
    /// `aws_access_key_id`.
    #[arg(short = 'a', long, value_name = "FILE")]
    pub auth: Option<String>,

    /// Custom endpoint URL, for S3-compatible services and local emulators
    ///
    /// S3 requests then use path-style addressing.
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Named profile from `~/.aws/config` and `~/.aws/credentials`
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region (default: from the environment or profile, else us-east-1)
    #[arg(long, value_name = "NAME")]
    pub region: Option<String>,
}

/// The output modes shared by every list command; at most one may be given.
#[derive(Debug, Clone, Copy, Default, Args)]
#[group(id = "output_format", multiple = false)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Newline-delimited JSON: one object per line
    #[arg(long)]
    pub nl: bool,

    /// One JSON array holding every object
    #[arg(long)]
    pub array: bool,

    /// CSV with a header row; nested values are JSON text
    #[arg(long)]
    pub csv: bool,

    /// TSV with a header row; nested values are JSON text
    #[arg(long)]
    pub tsv: bool,
}

/// Arguments of `whoami`.
#[derive(Debug, Args)]
pub struct WhoamiArgs {
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `list-users`.
#[derive(Debug, Args)]
pub struct ListUsersArgs {
    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `list-buckets`.
#[derive(Debug, Args)]
pub struct ListBucketsArgs {
    /// Only show these buckets
    #[arg(value_name = "NAMES")]
    pub names: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `list-roles`.
#[derive(Debug, Args)]
pub struct ListRolesArgs {
    /// Only show these roles
    #[arg(value_name = "NAMES")]
    pub names: Vec<String>,

    /// Include each role's inline policies and attached managed policies with their documents
    #[arg(long)]
    pub details: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `list-user-policies`.
#[derive(Debug, Args)]
pub struct ListUserPoliciesArgs {
    /// Users to show; every user of the account when none are given
    #[arg(value_name = "USERNAMES")]
    pub usernames: Vec<String>,

    /// Structured output instead of the `User:` / `PolicyName:` layout
    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `delete-user`.
#[derive(Debug, Args)]
pub struct DeleteUserArgs {
    /// Users to delete
    #[arg(value_name = "USERNAMES", required = true)]
    pub usernames: Vec<String>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// How object data moves: shared by the commands that upload and download.
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "Transfer")]
pub struct TransferArgs {
    /// How many requests to run at once (files, and parts of large files)
    #[arg(
        short = 'j',
        long,
        value_name = "N",
        default_value_t = 64,
        value_parser = clap::value_parser!(u16).range(1..=512)
    )]
    pub concurrency: u16,

    /// Part size in bytes for multipart transfers (default 8 MiB)
    ///
    /// Hidden: meant for tests, which need multipart transfers of small files.
    /// S3 rejects parts under 5 MiB other than the last.
    #[arg(
        long,
        hide = true,
        env = "S3_CREDENTIALS_PART_SIZE",
        value_name = "BYTES",
        value_parser = clap::value_parser!(u64).range(1024..=5 * 1024 * 1024 * 1024)
    )]
    pub part_size: Option<u64>,
}

/// Arguments of `list-bucket`.
#[derive(Debug, Args)]
pub struct ListBucketArgs {
    /// The bucket to list
    pub bucket: String,

    /// Only list keys that start with this prefix
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Add a `URL` field with each object's URL (on the custom endpoint, if one is set)
    #[arg(long)]
    pub urls: bool,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `put-object`.
#[derive(Debug, Args)]
pub struct PutObjectArgs {
    /// The bucket to upload to
    pub bucket: String,

    /// The key to store the object under
    pub key: String,

    /// The file to upload, or `-` for standard input
    #[arg(value_name = "PATH")]
    pub path: std::path::PathBuf,

    /// Content-Type to store (default: guessed from the file's extension)
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,

    /// Do not show a progress bar
    #[arg(short, long)]
    pub silent: bool,

    #[command(flatten)]
    pub transfer: TransferArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `put-objects`.
#[derive(Debug, Args)]
pub struct PutObjectsArgs {
    /// The bucket to upload to
    pub bucket: String,

    /// Files and folders to upload; a folder's files keep the folder's name in
    /// their keys (`dir/a.txt`), a file is stored under its name
    #[arg(value_name = "FILES_OR_DIRS", required = true)]
    pub paths: Vec<std::path::PathBuf>,

    /// Put the keys under this prefix (a `/` is added if missing)
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Print `PATH => s3://BUCKET/KEY` for each file and upload nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Do not show the progress bar or the summary
    #[arg(short, long)]
    pub silent: bool,

    #[command(flatten)]
    pub transfer: TransferArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `get-object`.
#[derive(Debug, Args)]
pub struct GetObjectArgs {
    /// The bucket to download from
    pub bucket: String,

    /// The key of the object
    pub key: String,

    /// Write to this file instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<std::path::PathBuf>,

    /// Do not show a progress bar
    #[arg(short, long)]
    pub silent: bool,

    #[command(flatten)]
    pub transfer: TransferArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `get-objects`.
#[derive(Debug, Args)]
pub struct GetObjectsArgs {
    /// The bucket to download from
    pub bucket: String,

    /// Keys to download (default: every key, or those matching `--pattern`)
    #[arg(value_name = "KEYS")]
    pub keys: Vec<String>,

    /// Folder to write into (default: a folder named after the bucket)
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<std::path::PathBuf>,

    /// Also download keys matching this glob, e.g. `*.js` (repeatable; `*` matches `/` too)
    #[arg(short, long = "pattern", value_name = "GLOB")]
    pub patterns: Vec<String>,

    /// Do not show the progress bar or the summary
    #[arg(short, long)]
    pub silent: bool,

    #[command(flatten)]
    pub transfer: TransferArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `delete-objects`.
#[derive(Debug, Args)]
#[group(id = "what_to_delete", required = true, multiple = false, args = ["keys", "prefix"])]
pub struct DeleteObjectsArgs {
    /// The bucket to delete from
    pub bucket: String,

    /// Keys to delete
    #[arg(value_name = "KEYS")]
    pub keys: Vec<String>,

    /// Delete every key that starts with this prefix
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Option<String>,

    /// Print the keys that would be deleted and delete nothing
    #[arg(short = 'd', long)]
    pub dry_run: bool,

    /// Do not print the summary
    #[arg(short, long)]
    pub silent: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}
