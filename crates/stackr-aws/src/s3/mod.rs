//! Amazon S3: general purpose buckets and their policies.
//!
//! A bucket lives in one region, and its name is global: every call on it
//! goes to its region's endpoint (`Clients::s3`, path-style on a custom
//! endpoint). S3 is eventually consistent right after CreateBucket: other
//! calls on the new bucket may answer `NoSuchBucket` for a short while
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>,
//! "bucket creation is eventually consistent"), so calls that follow a
//! create go through [`settled`].

mod bucket;
mod bucket_policy;

pub use bucket::Bucket;
pub use bucket_policy::BucketPolicy;

use crate::clients::Clients;
use crate::error::provider;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use stackr_engine::reconciler::{ProviderError, Providers};
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// "Not yet" refusals of S3 (see [`crate::transient`]): a policy for a
/// bucket made seconds ago may meet `NoSuchBucket` until the bucket is
/// visible everywhere (CreateBucket is eventually consistent, see the
/// module doc); a wrong bucket name looks the same, so for minutes only.
pub const TRANSIENT: &[crate::transient::Transient] =
    &[crate::transient::for_minutes(&["PutBucketPolicy"], "NoSuchBucket", None, 2)];

/// The codes of a bucket that is not there: `NoSuchBucket`, and HeadBucket's
/// bodiless 404 (`NotFound`).
pub(crate) const NO_BUCKET: &[&str] = &["NoSuchBucket", "NotFound"];

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Bucket::new(clients.clone())));
    providers.register(Arc::new(BucketPolicy::new(clients.clone())));
}

/// Runs a call on a bucket made moments ago, retrying its `NoSuchBucket`
/// answers for [`crate::kit::PROPAGATION`] (S3's eventual consistency
/// after CreateBucket; [`crate::kit::eventually`] retries the `*NotFound`
/// codes of other services, S3 says `NoSuchBucket`).
pub(crate) async fn settled<T, E, R, F, Fut>(call: &str, mut f: F) -> Result<T, ProviderError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, R>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let deadline = stackr_engine::clock::deadline(crate::kit::PROPAGATION);
    let mut pause = Duration::from_millis(250);
    loop {
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() < deadline && crate::error::is(&e, &["NoSuchBucket"]) => {
                stackr_engine::clock::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(e) => return Err(provider(call, e)),
        }
    }
}
