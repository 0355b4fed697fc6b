//! Revocation: the pipeline's stage between trust and the rules, where a certificate's CRL
//! and OCSP status is to be checked. It has its place in the pipeline and the layer table
//! (ARCHITECTURE.md) so that the checks land here without moving anything; today it checks
//! nothing and changes nothing, and no report claims revocation was checked.

use chrono::{DateTime, Utc};

use crate::inventory::Inventory;

/// Checks the revocation status of the inventory's certificates at `at`. Not yet
/// implemented: it leaves the inventory as it is.
pub fn check(_inventory: &mut Inventory, _at: DateTime<Utc>) {}
