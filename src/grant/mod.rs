//! What the tool handed out: the `s3-credentials:*` tags that describe a
//! grant on a user or role, and the inventory read back from them.

pub(crate) mod audit;
pub(crate) mod inventory;
pub mod tags;
