//! The `--stats` table: AWS API calls per service and operation.

use stackr_aws::stats::Row;
use std::fmt::Write;

/// The table, with a total line first; "no AWS calls" when there were none.
pub fn render(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "AWS calls: none\n".to_string();
    }
    let calls: u64 = rows.iter().map(|r| r.count.calls).sum();
    let attempts: u64 = rows.iter().map(|r| r.count.attempts).sum();
    let writes: u64 = rows.iter().filter(|r| r.is_write()).map(|r| r.count.calls).sum();
    let sw = rows.iter().map(|r| r.service.len()).max().unwrap_or(0).max("service".len());
    let ow = rows.iter().map(|r| r.operation.len()).max().unwrap_or(0).max("operation".len());
    let mut out = format!("AWS calls: {calls} ({writes} writes, {} reads), {attempts} attempts\n", calls - writes);
    let _ = writeln!(out, "  {:sw$}  {:ow$}  {:>6}  {:>8}", "service", "operation", "calls", "attempts");
    for r in rows {
        let _ =
            writeln!(out, "  {:sw$}  {:ow$}  {:>6}  {:>8}", r.service, r.operation, r.count.calls, r.count.attempts);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackr_aws::stats::Count;

    #[test]
    fn table() {
        let rows = vec![
            Row { service: "ec2".into(), operation: "CreateVpc".into(), count: Count { calls: 1, attempts: 2 } },
            Row { service: "ec2".into(), operation: "DescribeVpcs".into(), count: Count { calls: 3, attempts: 3 } },
        ];
        assert_eq!(
            render(&rows),
            "AWS calls: 4 (1 writes, 3 reads), 5 attempts\n  \
             service  operation      calls  attempts\n  \
             ec2      CreateVpc          1         2\n  \
             ec2      DescribeVpcs       3         3\n"
        );
        assert_eq!(render(&[]), "AWS calls: none\n");
    }
}
