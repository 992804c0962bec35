//! Naming rules several services share.

use super::calls::invalid;
use stackr_engine::reconciler::ProviderError;

/// SQS queue and SNS topic names
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html>,
/// <https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html>):
/// 1 to `max` letters, digits, hyphens and underscores, and a FIFO one's
/// (and only a FIFO one's) ends in `.fifo`. `what` names the resource
/// ("queue"), `flag` the property that makes it FIFO ("fifo_queue").
pub fn fifo_name(what: &str, flag: &str, max: usize, name: &str, fifo: bool) -> Result<(), ProviderError> {
    let stem = name.strip_suffix(".fifo");
    match (fifo, stem) {
        (true, None) => return Err(invalid(format!("a FIFO {what}'s name must end in `.fifo`: {name}"))),
        (false, Some(_)) => {
            return Err(invalid(format!(
                "{name} ends in `.fifo`, which only a FIFO {what}'s name may: set {flag}: true"
            )));
        }
        _ => {}
    }
    let stem = stem.unwrap_or(name);
    let ok_chars = stem.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if stem.is_empty() || name.len() > max || !ok_chars {
        return Err(invalid(format!(
            "{what} name {name}: 1 to {max} characters, letters, digits, hyphens and underscores only"
        )));
    }
    Ok(())
}
