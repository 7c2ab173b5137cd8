//! The command line, as clap definitions and nothing else.
//!
//! Doc comments here are the `--help` text. Values are mostly kept raw and
//! turned into validated settings in [`crate::settings`]; clap itself checks
//! what it can say best (numbers and their ranges, conflicting flags, and
//! bucket arguments through [`crate::settings::names::check_bucket_name`]).

use clap::builder::BoolishValueParser;
use clap::{ArgGroup, Args, Parser, Subcommand, ValueEnum};

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
    /// Create credentials that can only access the named buckets
    ///
    /// By default this creates an IAM user with one inline policy per bucket
    /// and prints a new access key for it. With `--duration` it prints
    /// temporary credentials instead, and creates no user. With `--trust` it
    /// creates a role that only a CI job, an AWS service or another account can
    /// assume, and no key at all.
    Create(CreateArgs),
    /// Print the IAM policy `create` would use for these buckets
    Policy(PolicyArgs),
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
    /// List the users and roles this tool created: grants, expiry, keys and their last use
    ///
    /// One row per user or role: its buckets, access, prefixes and expiry (from
    /// the `s3-credentials:*` tags `create` puts on it, or for users made before
    /// tags existed, from their inline policies), and each access key with its
    /// status, age, and when and with which service it was last used.
    ListCredentials(ListCredentialsArgs),
    /// Create a new access key for a user and retire the old one
    ///
    /// Prints the new key as `create` does, then deactivates the previous key
    /// (or deletes it with `--delete-old`). If a step fails, the new key is
    /// deleted again and the old one left as it was.
    RotateKey(RotateKeyArgs),
    /// Delete users, with everything IAM requires gone first (policies, groups, keys, password...)
    DeleteUser(DeleteUserArgs),
    /// Delete roles, with their inline and attached policies and instance profiles
    ///
    /// For the roles `create --trust` makes: a role without `s3-credentials:*`
    /// tags, or one also in an instance profile that is not its own, is
    /// refused unless `--force`. The profile named like the role and holding
    /// only it is deleted with it; the role is only taken out of others.
    /// OpenID Connect providers are left: other roles may trust them.
    DeleteRole(DeleteRoleArgs),
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
    /// Print a URL that downloads (or uploads) one object until it expires
    ///
    /// The URL carries a signature made with your credentials: anyone who has
    /// it can use it, without credentials of their own, until it expires.
    Presign(PresignArgs),
    /// Delete the named keys, or every key under a prefix
    DeleteObjects(DeleteObjectsArgs),
    /// Set the CORS policy of a bucket (default: GET from any origin)
    SetCorsPolicy(SetCorsPolicyArgs),
    /// Show the CORS policy of a bucket as JSON
    GetCorsPolicy(BucketArgs),
    /// Show the bucket policy of a bucket as JSON
    GetBucketPolicy(BucketArgs),
    /// Set a bucket's policy from a file, or let anyone download its objects
    SetBucketPolicy(SetBucketPolicyArgs),
    /// Show the public access block settings of a bucket as JSON
    GetPublicAccessBlock(BucketArgs),
    /// Change the public access block settings of a bucket
    SetPublicAccessBlock(SetPublicAccessBlockArgs),
    /// Show what decides who can reach a bucket: ACL, policies, CORS, website
    DebugBucket(BucketArgs),
    /// Serve refreshed temporary credentials for a bucket over HTTP
    Localserver(LocalserverArgs),
    /// Print a shell completion script
    ///
    /// For example, for bash: `s3-credentials completions bash > ~/.local/share/bash-completion/completions/s3-credentials`
    Completions(CompletionsArgs),
    /// Print the man page, in roff format
    ///
    /// For example: `s3-credentials man > ~/.local/share/man/man1/s3-credentials.1`
    Man(ManArgs),
}

/// Arguments of `completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of `man`.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A subcommand to print the page of, instead of the main page
    #[arg(value_name = "COMMAND")]
    pub command: Option<String>,
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

    /// Give up on a request that gets no response for this many seconds
    /// [default: 60]
    ///
    /// Counted from sending a request until its response starts: a large
    /// transfer that keeps receiving data is never cut. Each attempt counts
    /// on its own (the SDK tries up to 3 times, see `AWS_MAX_ATTEMPTS`).
    #[arg(
        long,
        value_name = "SECONDS",
        env = "S3_CREDENTIALS_READ_TIMEOUT",
        hide_env_values = true
    )]
    pub read_timeout: Option<String>,
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

    /// Add each bucket's region, ACL, public access block and website configuration
    ///
    /// Several extra calls per bucket, made for many buckets at once.
    #[arg(long)]
    pub details: bool,

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

/// Arguments of `list-credentials`.
#[derive(Debug, Args)]
pub struct ListCredentialsArgs {
    /// Only show users and roles whose expiry (`create --expires`) has passed
    #[arg(long)]
    pub expired: bool,

    /// Only show users and roles nothing has used for this long: `90m`, `12h`,
    /// `30d`, `2w` (never used counts from when it was created)
    #[arg(long, value_name = "AGE")]
    pub unused_for: Option<String>,

    #[command(flatten)]
    pub output: OutputArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `rotate-key`.
#[derive(Debug, Args)]
pub struct RotateKeyArgs {
    /// The user whose key to replace
    #[arg(value_name = "USERNAME")]
    pub username: String,

    /// Delete the previous key instead of deactivating it
    #[arg(long)]
    pub delete_old: bool,

    /// When the user already has two keys: delete this one first to make room
    #[arg(long, value_name = "ACCESS_KEY_ID")]
    pub delete: Option<String>,

    /// Output format for the new key
    #[arg(short = 'f', long, value_enum, default_value_t = CredentialsFormat::Json)]
    pub format: CredentialsFormat,

    /// Wait (up to a minute) until AWS accepts the new key before retiring the
    /// old one and printing the new one; if it does not, keep the old key
    #[arg(long)]
    pub wait: bool,

    /// How long `--wait` waits, in seconds (default 60)
    ///
    /// Hidden: meant for tests, which cannot wait a minute for a key AWS
    /// never accepts.
    #[arg(
        long,
        hide = true,
        env = "S3_CREDENTIALS_WAIT_LIMIT",
        value_name = "SECONDS",
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub wait_limit: Option<u64>,

    /// Only print the new key, not each step
    #[arg(long)]
    pub silent: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `delete-user`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["usernames", "expired"])))]
pub struct DeleteUserArgs {
    /// Users to delete
    #[arg(value_name = "USERNAMES", conflicts_with = "expired")]
    pub usernames: Vec<String>,

    /// Delete every user this tool created whose expiry (`create --expires`) has passed
    #[arg(long)]
    pub expired: bool,

    /// With `--expired`: list the users that would be deleted, and delete nothing
    #[arg(long, requires = "expired", conflicts_with = "usernames")]
    pub dry_run: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `delete-role`.
#[derive(Debug, Args)]
pub struct DeleteRoleArgs {
    /// Roles to delete
    #[arg(value_name = "NAMES", required = true)]
    pub names: Vec<String>,

    /// Also delete a role s3-credentials did not make (no `s3-credentials:*` tags), and take a
    /// role out of instance profiles that are not its own (those profiles are kept)
    #[arg(long)]
    pub force: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of the commands that take one bucket and nothing else:
/// `get-cors-policy`, `get-bucket-policy`, `get-public-access-block` and `debug-bucket`.
#[derive(Debug, Args)]
pub struct BucketArgs {
    /// The bucket
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `set-cors-policy`.
///
/// `-h` is `--allowed-header`, as in the original tool, so help is `--help` only.
#[derive(Debug, Args)]
#[command(disable_help_flag = true)]
pub struct SetCorsPolicyArgs {
    /// The bucket
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// Allowed method, e.g. `PUT` (repeatable; default `GET`)
    #[arg(short = 'm', long = "allowed-method", value_name = "METHOD")]
    pub allowed_methods: Vec<String>,

    /// Allowed request header, e.g. `Authorization` (repeatable)
    #[arg(short = 'h', long = "allowed-header", value_name = "HEADER")]
    pub allowed_headers: Vec<String>,

    /// Allowed origin, e.g. `https://www.example.com` (repeatable; default `*`)
    #[arg(short = 'o', long = "allowed-origin", value_name = "ORIGIN")]
    pub allowed_origins: Vec<String>,

    /// Response header browsers may read, e.g. `ETag` (repeatable)
    #[arg(short = 'e', long = "expose-header", value_name = "HEADER")]
    pub expose_headers: Vec<String>,

    /// How long browsers may cache the answer to a preflight request
    #[arg(long, value_name = "SECONDS")]
    pub max_age_seconds: Option<u32>,

    /// Print help
    #[arg(long, action = clap::ArgAction::Help)]
    pub help: Option<bool>,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `set-bucket-policy`: exactly one source for the policy.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("policy_source").required(true).args(["policy_file", "allow_all_get"])
))]
pub struct SetBucketPolicyArgs {
    /// The bucket
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// Read the policy from this JSON file (`-` for standard input)
    #[arg(long, value_name = "FILE")]
    pub policy_file: Option<String>,

    /// Let anyone download any object of the bucket (`s3:GetObject` for `*`)
    #[arg(long)]
    pub allow_all_get: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `set-public-access-block`: settings not given keep their
/// current value; at least one is needed.
#[derive(Debug, Args)]
#[command(group(
    ArgGroup::new("settings").required(true).multiple(true).args([
        "block_public_acls",
        "ignore_public_acls",
        "block_public_policy",
        "restrict_public_buckets",
        "allow_public_access",
    ])
))]
pub struct SetPublicAccessBlockArgs {
    /// The bucket
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// Reject requests that add public ACLs
    #[arg(long, value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub block_public_acls: Option<bool>,

    /// Ignore public ACLs on the bucket and its objects
    #[arg(long, value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub ignore_public_acls: Option<bool>,

    /// Reject bucket policies that grant public access
    #[arg(long, value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub block_public_policy: Option<bool>,

    /// Limit access under a public bucket policy to AWS services and the bucket owner's account
    #[arg(long, value_name = "BOOL", value_parser = BoolishValueParser::new())]
    pub restrict_public_buckets: Option<bool>,

    /// Turn all four settings off, so that a bucket policy or ACL can make the bucket public
    #[arg(long, conflicts_with_all = [
        "block_public_acls", "ignore_public_acls", "block_public_policy", "restrict_public_buckets",
    ])]
    pub allow_public_access: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// Arguments of `localserver`.
#[derive(Debug, Args)]
pub struct LocalserverArgs {
    /// The bucket the credentials are for
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// How long each set of credentials lasts: `3600`, `900s`, `15m`, `1h` (15 minutes to 12 hours)
    // Hyphen values reach the duration check, which names the option,
    // rather than being taken for an unknown flag.
    #[arg(
        short = 'd',
        long,
        value_name = "DURATION",
        required = true,
        allow_hyphen_values = true
    )]
    pub duration: String,

    /// Port to listen on
    #[arg(
        short = 'p',
        long,
        default_value_t = 8094,
        allow_negative_numbers = true
    )]
    pub port: u16,

    /// Host name or address to listen on
    ///
    /// Anyone who can reach a non-loopback address can fetch the credentials.
    #[arg(long, default_value = "localhost")]
    pub host: String,

    #[command(flatten)]
    pub access: AccessArgs,

    /// Also answer in the container-credentials shape (`Token`), for
    /// `AWS_CONTAINER_CREDENTIALS_FULL_URI`
    #[arg(long)]
    pub container: bool,

    /// Require `Authorization: <token>` with the token in this file
    /// (what `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` points SDKs to)
    #[arg(long, value_name = "FILE", conflicts_with = "generate_token")]
    pub token_file: Option<String>,

    /// Require `Authorization: <token>` with a new random token, printed on standard output at start
    #[arg(long)]
    pub generate_token: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// What the credentials may do with the buckets; shared by `create` and `policy`.
#[derive(Debug, Clone, Default, Args)]
pub struct AccessArgs {
    /// Only allow reading from the buckets
    #[arg(long, conflicts_with = "write_only")]
    pub read_only: bool,

    /// Only allow writing to the buckets (no reading or listing): for logs and uploads
    #[arg(long)]
    pub write_only: bool,

    /// Only allow keys under this prefix, e.g. `uploads/` (repeatable)
    ///
    /// The prefix is matched as text: `--prefix reports` also grants
    /// `reports-old/...`, so end a folder with `/`.
    #[arg(long, value_name = "PREFIX")]
    pub prefix: Vec<String>,

    /// Only allow this one object, e.g. `reports/2026.csv` (repeatable)
    ///
    /// The key is matched exactly: no listing of the bucket, and keys with
    /// `*`, `?` or `$` (special in IAM resource ARNs) are refused.
    #[arg(long, value_name = "KEY", conflicts_with = "prefix")]
    pub key: Vec<String>,

    /// Only allow requests from these addresses, e.g. `203.0.113.0/24` or
    /// `2001:db8::/32` (repeatable)
    ///
    /// Every statement that allows something gets an `IpAddress` condition on
    /// `aws:SourceIp`. Requests through a VPC endpoint carry no public source
    /// address and are refused.
    #[arg(long, value_name = "CIDR")]
    pub source_ip: Vec<String>,

    /// An extra policy statement as JSON, with `Effect`, `Action` and `Resource` (repeatable)
    #[arg(long, value_name = "JSON")]
    pub statement: Vec<String>,
}

/// The credentials output format of `create`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum CredentialsFormat {
    /// The JSON object AWS returns
    #[default]
    Json,
    /// A `[default]` section for an AWS credentials file
    Ini,
}

/// What `create --emit` prints instead of making anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmitFormat {
    /// A CloudFormation template (JSON)
    Cloudformation,
}

/// Arguments of `create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// The buckets the credentials may access
    #[arg(value_name = "BUCKETS", required = true)]
    pub buckets: Vec<String>,

    #[command(flatten)]
    pub access: AccessArgs,

    /// Output format for the credentials
    #[arg(short = 'f', long, value_enum, default_value_t = CredentialsFormat::Json)]
    pub format: CredentialsFormat,

    /// Issue temporary credentials valid this long (e.g. `3600`, `900s`, `15m`, `12h`;
    /// 15 minutes to 12 hours) instead of creating a user
    // See `LocalserverArgs::duration` for the hyphen values.
    #[arg(short = 'd', long, value_name = "DURATION", allow_hyphen_values = true)]
    pub duration: Option<String>,

    /// The user to create, or an existing user to give a new key
    /// (default: `s3.<permission>.<buckets>`)
    #[arg(long, value_name = "NAME", conflicts_with = "duration")]
    pub username: Option<String>,

    /// Create the buckets that do not exist yet
    #[arg(short = 'c', long)]
    pub create_bucket: bool,

    /// Region to create buckets in (default: the configured region)
    #[arg(long, value_name = "REGION")]
    pub bucket_region: Option<String>,

    /// Make the new buckets readable by anyone: public access block off and a
    /// bucket policy allowing `s3:GetObject`
    #[arg(long, requires = "create_bucket")]
    pub public: bool,

    /// Host a website from the new buckets: `--public` plus index.html and
    /// error.html as index and error documents
    #[arg(long, requires = "create_bucket")]
    pub website: bool,

    /// A custom policy document instead of the generated one: a file, literal
    /// JSON, or `-` for standard input. `$!BUCKET_NAME!$` is replaced by each
    /// bucket's name.
    #[arg(long, value_name = "FILE|JSON|-", conflicts_with = "key")]
    pub policy: Option<String>,

    /// Permissions boundary for a new user (or role, with `--trust`): a policy
    /// ARN, or `none`. Default: `AmazonS3ReadOnlyAccess` for `--read-only`,
    /// `AmazonS3FullAccess` otherwise, none with `--policy` or `--statement`.
    #[arg(long, value_name = "ARN|none", conflicts_with = "duration")]
    pub user_permissions_boundary: Option<String>,

    /// Make the user's policies stop working at this time: `30d`, `12h`, a date
    /// (`2026-12-31`, midnight UTC) or a date-time (`2026-12-31T18:00:00Z`)
    ///
    /// Every statement that allows something gets a `DateLessThan` condition on
    /// `aws:CurrentTime`, so AWS refuses the key afterwards even if nobody deletes
    /// it, and the user is tagged with the expiry (see `delete-user --expired`).
    #[arg(long, value_name = "WHEN", conflicts_with = "duration")]
    pub expires: Option<String>,

    /// Tag the user, role and buckets this run creates (repeatable)
    ///
    /// Users also get `s3-credentials:*` tags that record the grant: buckets,
    /// access, prefixes, expiry and the tool's version (see `list-credentials`).
    #[arg(long, value_name = "KEY=VALUE")]
    pub tag: Vec<String>,

    /// Wait (up to a minute) until AWS accepts the new credentials before printing them
    #[arg(long)]
    pub wait: bool,

    /// Only print the credentials, not each step
    #[arg(long)]
    pub silent: bool,

    /// Print every change that would be made, with full policies, and make none;
    /// needs no credentials
    #[arg(long)]
    pub dry_run: bool,

    /// Print a template that makes what this command would make (buckets,
    /// user or role, tags, policies), and make nothing; needs no credentials
    ///
    /// The user gets no access key: no secret belongs in a stack. After
    /// deploying, `s3-credentials rotate-key USER` prints one; `--trust` roles
    /// need none. See docs/cloudformation.md.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        conflicts_with_all = ["duration", "wait", "format", "dry_run", "silent", "bucket_region"]
    )]
    pub emit: Option<EmitFormat>,

    #[command(flatten)]
    pub role: RoleArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// The options of `create --trust`: a role instead of a user and key.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Keyless access (a role instead of a user)")]
pub struct RoleArgs {
    /// Create (or reuse) a role that only PRINCIPAL can assume, instead of a
    /// user and an access key; prints the role's name and ARN, and on stderr
    /// how to use it
    ///
    /// PRINCIPAL is `github:OWNER/REPO` (any ref), `github:OWNER/REPO:ref:refs/heads/main`,
    /// `github:OWNER/REPO:environment:NAME`, `github:OWNER/REPO:pull_request`,
    /// `gitlab:GROUP/PROJECT[:ref_type:branch|tag[:ref:NAME]]`,
    /// `service:lambda|ec2|ecs-tasks` (or a full service principal such as
    /// `states.amazonaws.com`), or `account:ACCOUNT_ID`.
    #[arg(
        long,
        value_name = "PRINCIPAL",
        conflicts_with_all = ["duration", "username", "wait", "format"]
    )]
    pub trust: Option<String>,

    /// The role to create or reuse (default: `s3.<permission>.<buckets>`)
    #[arg(long, value_name = "NAME", requires = "trust")]
    pub role_name: Option<String>,

    /// The external ID another account must pass to assume the role
    /// (with `--trust account:ACCOUNT_ID`)
    #[arg(long, value_name = "ID", requires = "trust")]
    pub external_id: Option<String>,
}

/// Arguments of `policy`.
#[derive(Debug, Args)]
pub struct PolicyArgs {
    /// The buckets the policy grants access to
    #[arg(value_name = "BUCKETS", required = true)]
    pub buckets: Vec<String>,

    #[command(flatten)]
    pub access: AccessArgs,

    /// Print the bucket policy that makes a bucket publicly readable instead
    #[arg(long, conflicts_with_all = ["read_only", "write_only", "prefix", "statement"])]
    pub public_bucket: bool,

    /// Add the expiry condition `create --expires WHEN` adds: `30d`, `12h`, a
    /// date (`2026-12-31`) or a date-time (`2026-12-31T18:00:00Z`)
    #[arg(long, value_name = "WHEN", conflicts_with = "public_bucket")]
    pub expires: Option<String>,
}

/// The default of `-j` for downloads, which [`TransferArgs`] sets to 64 for
/// uploads. A small upload keeps this side busy reading and checksumming its
/// file; a small download mostly waits for the server's first byte with
/// nothing to do here, so downloads keep more requests waiting at once. Each
/// holds at most 64 KiB of a small object in memory, and large bodies stream
/// at most 16 at a time whatever `-j` is. On a 2-core machine against a local
/// server, 2,000 small downloads were faster at 128 than at 64; uploads were
/// slightly slower.
const DOWNLOAD_CONCURRENCY: &str = "128";

/// How object data moves: shared by the commands that upload and download.
#[derive(Debug, Clone, Copy, Args)]
#[command(next_help_heading = "Transfer")]
pub struct TransferArgs {
    /// How many requests to run at once (files, and parts of large files)
    #[arg(
        short = 'j',
        long,
        allow_negative_numbers = true,
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
    #[arg(value_parser = bucket_name)]
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
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// The key to store the object under
    #[arg(value_parser = object_key)]
    pub key: String,

    /// The file to upload, or `-` for standard input; a FIFO, pipe or device
    /// is read to its end, like standard input
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
    #[arg(value_parser = bucket_name)]
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

    /// In folders, follow links to folders too (links to files always are)
    #[arg(short = 'L', long)]
    pub follow_links: bool,

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
#[command(mut_arg("concurrency", |arg| arg.default_value(DOWNLOAD_CONCURRENCY)))]
pub struct GetObjectArgs {
    /// The bucket to download from
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// The key of the object
    #[arg(value_parser = object_key)]
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

/// Arguments of `presign`.
#[derive(Debug, Args)]
pub struct PresignArgs {
    /// The bucket of the object
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// The key of the object
    #[arg(value_parser = object_key)]
    pub key: String,

    /// How long the URL works: `3600` or `900s` (seconds), `15m`, `12h`, `7d`;
    /// at most 7 days, the longest a SigV4 signature is valid
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "1h",
        allow_hyphen_values = true
    )]
    pub expires: String,

    /// `GET` downloads the object; `PUT` uploads a new body to the key
    #[arg(long, value_enum, default_value_t = PresignMethod::Get, ignore_case = true)]
    pub method: PresignMethod,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// The HTTP method a presigned URL is signed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PresignMethod {
    /// Download the object
    #[value(name = "GET")]
    Get,
    /// Upload to the key
    #[value(name = "PUT")]
    Put,
}

/// Arguments of `get-objects`.
#[derive(Debug, Args)]
#[command(mut_arg("concurrency", |arg| arg.default_value(DOWNLOAD_CONCURRENCY)))]
pub struct GetObjectsArgs {
    /// The bucket to download from
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// Keys to download (default: every key, or those matching `--pattern`)
    #[arg(value_name = "KEYS", value_parser = object_key)]
    pub keys: Vec<String>,

    /// Folder to write into (default: a folder named after the bucket)
    #[arg(short, long, value_name = "DIR")]
    pub output: Option<std::path::PathBuf>,

    /// Also download keys matching this glob, e.g. `*.js` (repeatable; `*` matches `/` too)
    #[arg(short, long = "pattern", value_name = "GLOB")]
    pub patterns: Vec<String>,

    /// Leave files that already exist as they are, and report them (by
    /// default a download replaces an existing file)
    #[arg(long)]
    pub no_clobber: bool,

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
    #[arg(value_parser = bucket_name)]
    pub bucket: String,

    /// Keys to delete
    #[arg(value_name = "KEYS", value_parser = object_key)]
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

/// A bucket argument must follow the S3 naming rules: checked here so that a
/// mistyped name is a usage error before any request is made.
fn bucket_name(value: &str) -> Result<String, String> {
    crate::settings::names::check_bucket_name(value).map(|()| value.to_owned())
}

/// An object key must name something: S3 has no object with an empty key,
/// and the SDK would otherwise fail to build the request.
fn object_key(value: &str) -> Result<String, String> {
    if value.is_empty() {
        Err("a key cannot be empty".to_owned())
    } else {
        Ok(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `-j` a command line ends up with.
    fn concurrency(words: &[&str]) -> u16 {
        let cli = Cli::try_parse_from([&["s3-credentials"], words].concat()).unwrap();
        match cli.command {
            Command::PutObject(args) => args.transfer.concurrency,
            Command::PutObjects(args) => args.transfer.concurrency,
            Command::GetObject(args) => args.transfer.concurrency,
            Command::GetObjects(args) => args.transfer.concurrency,
            other => panic!("not a transfer command: {other:?}"),
        }
    }

    #[test]
    fn downloads_keep_more_requests_in_flight_by_default_and_j_overrides_both() {
        assert_eq!(concurrency(&["put-object", "bkt", "k", "f"]), 64);
        assert_eq!(concurrency(&["put-objects", "bkt", "f"]), 64);
        assert_eq!(concurrency(&["get-object", "bkt", "k"]), 128);
        assert_eq!(concurrency(&["get-objects", "bkt"]), 128);
        assert_eq!(concurrency(&["get-objects", "bkt", "-j", "3"]), 3);
        assert_eq!(concurrency(&["put-objects", "bkt", "f", "-j", "300"]), 300);
    }
}
