//! CIDR blocks of IP sets in one canonical spelling: the network address
//! (host bits cleared) and the prefix length, IPv6 in its compressed
//! lower-case form (`2001:db8::/32`). Observed addresses are reported so,
//! and addresses a stack gives must already be written so (an error names
//! the canonical form), so that one block never compares unequal to itself.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The canonical form of `cidr`, or `None` when it is not a CIDR block.
pub fn canonical(cidr: &str) -> Option<String> {
    let (addr, len) = cidr.trim().split_once('/')?;
    let len: u8 = len.parse().ok()?;
    match addr.parse::<IpAddr>().ok()? {
        IpAddr::V4(a) if len <= 32 => {
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            Some(format!("{}/{len}", Ipv4Addr::from(u32::from(a) & mask)))
        }
        IpAddr::V6(a) if len <= 128 => {
            let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
            Some(format!("{}/{len}", Ipv6Addr::from(u128::from(a) & mask)))
        }
        _ => None,
    }
}

/// Whether `cidr` is of the family `version` (`IPV4` / `IPV6`).
pub fn family_matches(cidr: &str, version: &str) -> bool {
    let v6 = cidr.contains(':');
    if version == "IPV6" { v6 } else { !v6 }
}

/// Addresses as stored: canonical where parsable, sorted, without repeats.
pub fn normalized(addrs: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = addrs.into_iter().map(|a| canonical(&a).unwrap_or(a)).collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical("10.0.0.5/24").as_deref(), Some("10.0.0.0/24"));
        assert_eq!(canonical("192.0.2.44/32").as_deref(), Some("192.0.2.44/32"));
        assert_eq!(canonical("2001:DB8:0:0::1/32").as_deref(), Some("2001:db8::/32"));
        assert_eq!(canonical("2001:db8::1/128").as_deref(), Some("2001:db8::1/128"));
        assert_eq!(canonical("10.0.0.1"), None);
        assert_eq!(canonical("10.0.0.1/33"), None);
        assert_eq!(canonical("nonsense/8"), None);
    }

    #[test]
    fn families_and_sets() {
        assert!(family_matches("2001:db8::/32", "IPV6"));
        assert!(!family_matches("10.0.0.0/8", "IPV6"));
        assert!(family_matches("10.0.0.0/8", "IPV4"));
        assert_eq!(
            normalized(["10.0.1.0/24".into(), "10.0.0.9/24".into(), "10.0.0.0/24".into()]),
            ["10.0.0.0/24", "10.0.1.0/24"]
        );
    }
}
