//! What the tool handed out: the `s3-credentials:*` tags that describe a
//! grant on a user or role, the inventory read back from them, and the
//! audit of whether a user or role is exactly what its tags describe.

pub(crate) mod audit;
pub(crate) mod inventory;
pub mod tags;
