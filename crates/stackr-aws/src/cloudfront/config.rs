//! A distribution's configuration between the stack's shape (schema
//! names, snake case) and the SDK's `DistributionConfig`.
//!
//! The top-level fields map in the distribution's table (its `FIELDS`,
//! whose rows call the helpers here); the origins and cache behaviours,
//! too large for a row, map here: [`observe`] and [`from_stack`].
//!
//! Reads report everything AWS returns for the schema's fields, defaults
//! included: the engine compares only the fields a stack sets, at every
//! depth, so AWS's defaults are not drift, while an out-of-band change of
//! a field the stack sets is.
//!
//! [`apply`] writes the stack's values onto a configuration: onto the
//! live one for an update (read with its ETag), so that everything the
//! stack does not set, including what the schema does not cover (function
//! associations, logging, origin shield...), is sent back unchanged; a
//! create writes them onto an empty one ([`empty`]: the table's fields,
//! then [`from_stack`]). Lists of structures are matched to live
//! entries by their key (origins by `id`, ordered behaviours by
//! `path_pattern`, error responses by `error_code`), so fields the stack
//! leaves out of an entry keep their live values; the list itself becomes
//! exactly the stack's, in its order.
//!
//! `forwarded_values` and the TTLs are CloudFront's legacy cache settings,
//! which the SDK marks deprecated in favour of cache policies; the schema
//! offers both, so this module uses the deprecated fields knowingly.

#![allow(deprecated)]

use crate::props::{self, s};
use aws_sdk_cloudfront::types::{
    Aliases, AllowedMethods, CacheBehavior, CacheBehaviors, CachedMethods, CookieNames, CookiePreference,
    CustomErrorResponse, CustomErrorResponses, CustomHeaders, CustomOriginConfig, DefaultCacheBehavior,
    DistributionConfig, ForwardedValues, GeoRestriction, GeoRestrictionType, Headers, HttpVersion, IpAddressType,
    ItemSelection, Method, MinimumProtocolVersion, Origin, OriginCustomHeader, OriginProtocolPolicy,
    OriginSslProtocols, Origins, PriceClass, QueryStringCacheKeys, Restrictions, S3OriginConfig, SslProtocol,
    SslSupportMethod, ViewerCertificate, ViewerProtocolPolicy, builders::DistributionConfigBuilder,
};
use stackr_core::value::Value;
use stackr_engine::reconciler::{ErrorKind, Props, ProviderError};
use std::collections::BTreeMap;

type Map = BTreeMap<String, Value>;

fn bad(msg: impl Into<String>) -> ProviderError {
    ProviderError::new(ErrorKind::Invalid, msg.into())
}

fn built(what: &str) -> impl Fn(aws_smithy_types::error::operation::BuildError) -> ProviderError + '_ {
    move |e| bad(format!("{what}: {e}"))
}

fn map<'a>(v: &'a Value, what: &str) -> Result<&'a Map, ProviderError> {
    match v {
        Value::Map(m) => Ok(m),
        _ => Err(bad(format!("{what} must be a map"))),
    }
}

fn maps<'a>(p: &'a Map, k: &str) -> Result<Vec<&'a Map>, ProviderError> {
    maps_of(p.get(k), k)
}

fn maps_of<'a>(v: Option<&'a Value>, k: &str) -> Result<Vec<&'a Map>, ProviderError> {
    match v {
        Some(Value::List(l)) => l.iter().map(|v| map(v, k)).collect(),
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(_) => Err(bad(format!("`{k}` must be a list"))),
    }
}

/// A field `m` sets (not null).
fn has(m: &Map, k: &str) -> bool {
    m.get(k).is_some_and(|v| !matches!(v, Value::Null))
}

/// A whole number of `m` as the SDK's i32; out of range is an error naming `k`.
fn int32(m: &Map, k: &str) -> Result<Option<i32>, ProviderError> {
    int(m, k).map(|n| crate::kit::num::to_i32(k, n)).transpose()
}

fn int(m: &Map, k: &str) -> Option<i64> {
    props::int(m, k)
}

fn num(n: i64) -> Value {
    Value::Number(n as f64)
}

fn strs(items: &[String]) -> Value {
    props::list(items.iter().cloned())
}

pub fn sorted(mut items: Vec<String>) -> Value {
    items.sort();
    props::list(items)
}

// ---- observe -------------------------------------------------------------

/// The origins and cache behaviours of a live configuration, in the
/// stack's shape (the other properties are the table's).
pub fn observe(c: &DistributionConfig) -> Props {
    let origins = c.origins.as_ref().map(|o| o.items.iter().map(origin_value).collect()).unwrap_or_default();
    let ordered = c
        .cache_behaviors
        .as_ref()
        .and_then(|b| b.items.as_ref())
        .map(|items| items.iter().map(ordered_value).collect())
        .unwrap_or_default();
    props::build([
        ("origins", Some(Value::List(origins))),
        ("default_cache_behavior", c.default_cache_behavior.as_ref().map(default_value)),
        ("ordered_cache_behaviors", Some(Value::List(ordered))),
    ])
}

/// The custom error responses of a live configuration.
pub fn error_responses_value(c: &DistributionConfig) -> Value {
    let errors = c
        .custom_error_responses
        .as_ref()
        .and_then(|e| e.items.as_ref())
        .map(|items| items.iter().map(error_value).collect())
        .unwrap_or_default();
    Value::List(errors)
}

fn origin_value(o: &Origin) -> Value {
    let headers: Map = o
        .custom_headers
        .as_ref()
        .and_then(|h| h.items.as_ref())
        .map(|items| items.iter().map(|h| (h.header_name.clone(), s(&h.header_value))).collect())
        .unwrap_or_default();
    let mut m = Map::new();
    m.insert("id".into(), s(&o.id));
    m.insert("domain_name".into(), s(&o.domain_name));
    m.insert("origin_path".into(), s(o.origin_path.clone().unwrap_or_default()));
    m.insert("custom_headers".into(), Value::Map(headers));
    if let Some(n) = o.connection_attempts {
        m.insert("connection_attempts".into(), num(n.into()));
    }
    if let Some(n) = o.connection_timeout {
        m.insert("connection_timeout".into(), num(n.into()));
    }
    if let Some(c) = &o.custom_origin_config {
        let mut cm = Map::new();
        cm.insert("origin_protocol_policy".into(), s(c.origin_protocol_policy.as_str()));
        cm.insert("http_port".into(), num(c.http_port.into()));
        cm.insert("https_port".into(), num(c.https_port.into()));
        if let Some(p) = &c.origin_ssl_protocols {
            cm.insert("origin_ssl_protocols".into(), props::list(p.items.iter().map(|x| x.as_str().to_string())));
        }
        if let Some(n) = c.origin_read_timeout {
            cm.insert("origin_read_timeout".into(), num(n.into()));
        }
        if let Some(n) = c.origin_keepalive_timeout {
            cm.insert("origin_keepalive_timeout".into(), num(n.into()));
        }
        if let Some(t) = &c.ip_address_type {
            cm.insert("ip_address_type".into(), s(t.as_str()));
        }
        m.insert("custom_origin_config".into(), Value::Map(cm));
    }
    if let Some(c) = &o.s3_origin_config {
        m.insert(
            "s3_origin_config".into(),
            Value::Map(Map::from([("origin_access_identity".into(), s(&c.origin_access_identity))])),
        );
    }
    if let Some(id) = o.origin_access_control_id.as_ref().filter(|i| !i.is_empty()) {
        m.insert("origin_access_control_id".into(), s(id));
    }
    Value::Map(m)
}

fn forwarded_value(f: &ForwardedValues) -> Value {
    let mut m = Map::new();
    m.insert("query_string".into(), Value::Bool(f.query_string));
    let keys = f.query_string_cache_keys.as_ref().and_then(|k| k.items.clone()).unwrap_or_default();
    m.insert("query_string_cache_keys".into(), strs(&keys));
    let headers = f.headers.as_ref().and_then(|h| h.items.clone()).unwrap_or_default();
    m.insert("headers".into(), strs(&headers));
    if let Some(c) = &f.cookies {
        let names = c.whitelisted_names.as_ref().and_then(|n| n.items.clone()).unwrap_or_default();
        m.insert(
            "cookies".into(),
            Value::Map(Map::from([
                ("forward".into(), s(c.forward.as_str())),
                ("whitelisted_names".into(), strs(&names)),
            ])),
        );
    }
    Value::Map(m)
}

/// The fields shared by the default and the ordered behaviours.
macro_rules! behavior_value {
    ($b:expr) => {{
        let b = $b;
        let mut m = Map::new();
        m.insert("target_origin_id".into(), s(&b.target_origin_id));
        m.insert("viewer_protocol_policy".into(), s(b.viewer_protocol_policy.as_str()));
        if let Some(a) = &b.allowed_methods {
            m.insert("allowed_methods".into(), props::list(a.items.iter().map(|x| x.as_str().to_string())));
            if let Some(c) = &a.cached_methods {
                m.insert("cached_methods".into(), props::list(c.items.iter().map(|x| x.as_str().to_string())));
            }
        }
        m.insert("compress".into(), Value::Bool(b.compress.unwrap_or(false)));
        for (k, v) in [
            ("cache_policy_id", &b.cache_policy_id),
            ("origin_request_policy_id", &b.origin_request_policy_id),
            ("response_headers_policy_id", &b.response_headers_policy_id),
        ] {
            if let Some(v) = v.as_ref().filter(|v| !v.is_empty()) {
                m.insert(k.into(), s(v));
            }
        }
        if let Some(f) = &b.forwarded_values {
            m.insert("forwarded_values".into(), forwarded_value(f));
        }
        for (k, v) in [("min_ttl", b.min_ttl), ("default_ttl", b.default_ttl), ("max_ttl", b.max_ttl)] {
            if let Some(v) = v {
                m.insert(k.into(), num(v));
            }
        }
        m
    }};
}

fn default_value(b: &DefaultCacheBehavior) -> Value {
    Value::Map(behavior_value!(b))
}

fn ordered_value(b: &CacheBehavior) -> Value {
    let mut m = behavior_value!(b);
    m.insert("path_pattern".into(), s(&b.path_pattern));
    Value::Map(m)
}

fn error_value(e: &CustomErrorResponse) -> Value {
    let mut m = Map::new();
    m.insert("error_code".into(), num(e.error_code.into()));
    if let Some(t) = e.error_caching_min_ttl {
        m.insert("error_caching_min_ttl".into(), num(t));
    }
    if let Some(c) = e.response_code.as_ref().filter(|c| !c.is_empty()) {
        m.insert("response_code".into(), s(c));
    }
    if let Some(p) = e.response_page_path.as_ref().filter(|p| !p.is_empty()) {
        m.insert("response_page_path".into(), s(p));
    }
    Value::Map(m)
}

pub fn certificate_value(v: &ViewerCertificate) -> Value {
    let mut m = Map::new();
    m.insert("cloudfront_default_certificate".into(), Value::Bool(v.cloud_front_default_certificate.unwrap_or(false)));
    if let Some(a) = v.acm_certificate_arn.as_ref().filter(|a| !a.is_empty()) {
        m.insert("acm_certificate_arn".into(), s(a));
    }
    if let Some(i) = v.iam_certificate_id.as_ref().filter(|i| !i.is_empty()) {
        m.insert("iam_certificate_id".into(), s(i));
    }
    if let Some(x) = &v.ssl_support_method {
        m.insert("ssl_support_method".into(), s(x.as_str()));
    }
    if let Some(x) = &v.minimum_protocol_version {
        m.insert("minimum_protocol_version".into(), s(x.as_str()));
    }
    Value::Map(m)
}

pub fn restrictions_value(r: &Restrictions) -> Value {
    let mut m = Map::new();
    if let Some(g) = &r.geo_restriction {
        let locations = g.items.clone().unwrap_or_default();
        m.insert(
            "geo_restriction".into(),
            Value::Map(Map::from([
                ("restriction_type".into(), s(g.restriction_type.as_str())),
                ("locations".into(), sorted(locations)),
            ])),
        );
    }
    Value::Map(m)
}

// ---- apply ---------------------------------------------------------------

/// The properties mapped here rather than in the table.
pub const NESTED: &[&str] = &["origins", "default_cache_behavior", "ordered_cache_behaviors"];

/// Writes a behaviour map `$m` onto the SDK behaviour `$b` (either kind).
macro_rules! apply_behavior {
    ($b:ident, $m:expr, $what:expr) => {{
        let m: &Map = $m;
        if let Some(t) = props::string(m, "target_origin_id") {
            $b.target_origin_id = t;
        }
        if let Some(p) = props::string(m, "viewer_protocol_policy") {
            $b.viewer_protocol_policy = ViewerProtocolPolicy::from(p.as_str());
        }
        if has(m, "allowed_methods") || has(m, "cached_methods") {
            let live = $b.allowed_methods.take();
            let allowed = if has(m, "allowed_methods") {
                props::strings(m, "allowed_methods")
            } else {
                live.as_ref()
                    .map(|a| a.items.iter().map(|x| x.as_str().to_string()).collect())
                    .unwrap_or_else(|| vec!["GET".into(), "HEAD".into()])
            };
            let cached = if has(m, "cached_methods") {
                Some(cached_methods(&props::strings(m, "cached_methods"))?)
            } else {
                live.and_then(|a| a.cached_methods)
            };
            $b.allowed_methods = Some(
                AllowedMethods::builder()
                    .quantity(allowed.len() as i32)
                    .set_items(Some(methods(&allowed)))
                    .set_cached_methods(cached)
                    .build()
                    .map_err(built($what))?,
            );
        }
        if let Some(c) = props::boolean(m, "compress") {
            $b.compress = Some(c);
        }
        if has(m, "cache_policy_id") {
            $b.cache_policy_id = props::string(m, "cache_policy_id");
        }
        if has(m, "origin_request_policy_id") {
            $b.origin_request_policy_id = props::string(m, "origin_request_policy_id");
        }
        if has(m, "response_headers_policy_id") {
            $b.response_headers_policy_id = props::string(m, "response_headers_policy_id");
        }
        if let Some(v) = m.get("forwarded_values").filter(|v| !matches!(v, Value::Null)) {
            $b.forwarded_values = Some(forwarded($b.forwarded_values.take(), map(v, "forwarded_values")?)?);
            // MinTTL is required with the legacy cache settings.
            if $b.min_ttl.is_none() {
                $b.min_ttl = Some(0);
            }
        }
        for (k, slot) in
            [("min_ttl", &mut $b.min_ttl), ("default_ttl", &mut $b.default_ttl), ("max_ttl", &mut $b.max_ttl)]
        {
            if let Some(n) = int(m, k) {
                *slot = Some(n);
            }
        }
    }};
}

/// An empty configuration for a create, with `token` as caller reference:
/// what the table's fields are written onto.
pub fn empty(token: &str) -> Result<DistributionConfigBuilder, ProviderError> {
    Ok(DistributionConfig::builder()
        .caller_reference(token)
        .comment("")
        .enabled(true)
        .origins(Origins::builder().quantity(0).set_items(Some(Vec::new())).build().map_err(built("origins"))?))
}

/// Writes the stack's values of `fields` (top-level property names) onto `c`.
pub fn apply(c: &mut DistributionConfig, desired: &Props, fields: &[&str]) -> Result<(), ProviderError> {
    for &f in fields {
        let Some(v) = desired.get(f).filter(|v| !matches!(v, Value::Null)) else { continue };
        match f {
            "enabled" => {
                c.enabled = props::boolean(desired, f).ok_or_else(|| bad("`enabled` must be true or false"))?
            }
            "comment" => c.comment = props::string(desired, f).unwrap_or_default(),
            "aliases" => c.aliases = Some(aliases(props::strings(desired, f))?),
            "default_root_object" => c.default_root_object = props::string(desired, f),
            "price_class" => c.price_class = props::string(desired, f).map(|p| PriceClass::from(p.as_str())),
            "http_version" => c.http_version = props::string(desired, f).map(|h| HttpVersion::from(h.as_str())),
            "is_ipv6_enabled" => c.is_ipv6_enabled = props::boolean(desired, f),
            "web_acl_id" => c.web_acl_id = props::string(desired, f),
            "origins" => c.origins = Some(origins(c.origins.take(), desired)?),
            "default_cache_behavior" => {
                let m = map(v, f)?;
                let mut b = match c.default_cache_behavior.take() {
                    Some(b) => b,
                    None => DefaultCacheBehavior::builder()
                        .target_origin_id(props::require(m, "target_origin_id")?)
                        .viewer_protocol_policy(ViewerProtocolPolicy::from(
                            props::require(m, "viewer_protocol_policy")?.as_str(),
                        ))
                        .build()
                        .map_err(built("default_cache_behavior"))?,
                };
                apply_behavior!(b, m, "default_cache_behavior");
                c.default_cache_behavior = Some(b);
            }
            "ordered_cache_behaviors" => c.cache_behaviors = Some(ordered(c.cache_behaviors.take(), desired)?),
            "custom_error_responses" => {
                c.custom_error_responses = Some(error_responses(c.custom_error_responses.take(), v)?)
            }
            "viewer_certificate" => c.viewer_certificate = Some(viewer_certificate(c.viewer_certificate.take(), v)?),
            "restrictions" => c.restrictions = Some(restrictions_of(v)?),
            // Tags are not part of the configuration.
            "tags" => {}
            other => return Err(bad(format!("unknown distribution property `{other}`"))),
        }
    }
    Ok(())
}

/// The alternate domain names, as CloudFront takes them.
pub fn aliases(items: Vec<String>) -> Result<Aliases, ProviderError> {
    Aliases::builder().quantity(items.len() as i32).set_items(Some(items)).build().map_err(built("aliases"))
}

fn origins(live: Option<Origins>, desired: &Props) -> Result<Origins, ProviderError> {
    let mut have: Vec<Origin> = live.map(|o| o.items).unwrap_or_default();
    let mut items = Vec::new();
    for m in maps(desired, "origins")? {
        let id = props::require(m, "id")?;
        let mut o = match have.iter().position(|o| o.id == id) {
            Some(i) => have.swap_remove(i),
            None => Origin::builder()
                .id(&id)
                .domain_name(props::require(m, "domain_name")?)
                .build()
                .map_err(built("origin"))?,
        };
        if let Some(d) = props::string(m, "domain_name") {
            o.domain_name = d;
        }
        if has(m, "origin_path") {
            o.origin_path = props::string(m, "origin_path");
        }
        if let Some(Value::Map(h)) = m.get("custom_headers") {
            let items = h
                .iter()
                .map(|(k, v)| {
                    OriginCustomHeader::builder()
                        .header_name(k)
                        .header_value(v.to_interpolated().unwrap_or_default())
                        .build()
                        .map_err(built("custom header"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            o.custom_headers = Some(
                CustomHeaders::builder()
                    .quantity(items.len() as i32)
                    .set_items(Some(items))
                    .build()
                    .map_err(built("custom headers"))?,
            );
        }
        if has(m, "connection_attempts") {
            o.connection_attempts = int32(m, "connection_attempts")?;
        }
        if has(m, "connection_timeout") {
            o.connection_timeout = int32(m, "connection_timeout")?;
        }
        if let Some(v) = m.get("custom_origin_config").filter(|v| !matches!(v, Value::Null)) {
            o.custom_origin_config =
                Some(custom_origin(o.custom_origin_config.take(), map(v, "custom_origin_config")?)?);
            o.s3_origin_config = None;
        }
        if let Some(v) = m.get("s3_origin_config").filter(|v| !matches!(v, Value::Null)) {
            let sm = map(v, "s3_origin_config")?;
            o.s3_origin_config = Some(
                S3OriginConfig::builder()
                    .origin_access_identity(props::string(sm, "origin_access_identity").unwrap_or_default())
                    .build(),
            );
            o.custom_origin_config = None;
        }
        if has(m, "origin_access_control_id") {
            o.origin_access_control_id = props::string(m, "origin_access_control_id");
        }
        items.push(o);
    }
    Origins::builder().quantity(items.len() as i32).set_items(Some(items)).build().map_err(built("origins"))
}

fn custom_origin(live: Option<CustomOriginConfig>, m: &Map) -> Result<CustomOriginConfig, ProviderError> {
    let mut c = match live {
        Some(c) => c,
        None => CustomOriginConfig::builder()
            .http_port(80)
            .https_port(443)
            .origin_protocol_policy(OriginProtocolPolicy::from(props::require(m, "origin_protocol_policy")?.as_str()))
            .origin_ssl_protocols(ssl_protocols(&["TLSv1.2".to_string()])?)
            .origin_read_timeout(30)
            .origin_keepalive_timeout(5)
            .build()
            .map_err(built("custom_origin_config"))?,
    };
    if let Some(p) = props::string(m, "origin_protocol_policy") {
        c.origin_protocol_policy = OriginProtocolPolicy::from(p.as_str());
    }
    if let Some(n) = int32(m, "http_port")? {
        c.http_port = n;
    }
    if let Some(n) = int32(m, "https_port")? {
        c.https_port = n;
    }
    if has(m, "origin_ssl_protocols") {
        c.origin_ssl_protocols = Some(ssl_protocols(&props::strings(m, "origin_ssl_protocols"))?);
    }
    if let Some(n) = int32(m, "origin_read_timeout")? {
        c.origin_read_timeout = Some(n);
    }
    if let Some(n) = int32(m, "origin_keepalive_timeout")? {
        c.origin_keepalive_timeout = Some(n);
    }
    if let Some(t) = props::string(m, "ip_address_type") {
        c.ip_address_type = Some(IpAddressType::from(t.as_str()));
    }
    Ok(c)
}

fn ssl_protocols(items: &[String]) -> Result<OriginSslProtocols, ProviderError> {
    OriginSslProtocols::builder()
        .quantity(items.len() as i32)
        .set_items(Some(items.iter().map(|p| SslProtocol::from(p.as_str())).collect()))
        .build()
        .map_err(built("origin_ssl_protocols"))
}

fn methods(items: &[String]) -> Vec<Method> {
    items.iter().map(|m| Method::from(m.as_str())).collect()
}

fn cached_methods(items: &[String]) -> Result<CachedMethods, ProviderError> {
    CachedMethods::builder()
        .quantity(items.len() as i32)
        .set_items(Some(methods(items)))
        .build()
        .map_err(built("cached_methods"))
}

fn list_or_none(items: Vec<String>) -> (i32, Option<Vec<String>>) {
    (items.len() as i32, if items.is_empty() { None } else { Some(items) })
}

fn forwarded(live: Option<ForwardedValues>, m: &Map) -> Result<ForwardedValues, ProviderError> {
    let mut f = match live {
        Some(f) => f,
        None => ForwardedValues::builder()
            .query_string(false)
            .cookies(CookiePreference::builder().forward(ItemSelection::None).build().map_err(built("cookies"))?)
            .build()
            .map_err(built("forwarded_values"))?,
    };
    if let Some(q) = props::boolean(m, "query_string") {
        f.query_string = q;
    }
    if has(m, "query_string_cache_keys") {
        let (quantity, items) = list_or_none(props::strings(m, "query_string_cache_keys"));
        f.query_string_cache_keys = Some(
            QueryStringCacheKeys::builder()
                .quantity(quantity)
                .set_items(items)
                .build()
                .map_err(built("query_string_cache_keys"))?,
        );
    }
    if has(m, "headers") {
        let (quantity, items) = list_or_none(props::strings(m, "headers"));
        f.headers = Some(Headers::builder().quantity(quantity).set_items(items).build().map_err(built("headers"))?);
    }
    if let Some(v) = m.get("cookies").filter(|v| !matches!(v, Value::Null)) {
        let cm = map(v, "cookies")?;
        let mut c = match f.cookies.take() {
            Some(c) => c,
            None => CookiePreference::builder().forward(ItemSelection::None).build().map_err(built("cookies"))?,
        };
        if let Some(fw) = props::string(cm, "forward") {
            c.forward = ItemSelection::from(fw.as_str());
        }
        if has(cm, "whitelisted_names") {
            let (quantity, items) = list_or_none(props::strings(cm, "whitelisted_names"));
            c.whitelisted_names = Some(
                CookieNames::builder()
                    .quantity(quantity)
                    .set_items(items)
                    .build()
                    .map_err(built("whitelisted_names"))?,
            );
        }
        f.cookies = Some(c);
    }
    Ok(f)
}

fn ordered(live: Option<CacheBehaviors>, desired: &Props) -> Result<CacheBehaviors, ProviderError> {
    let mut have: Vec<CacheBehavior> = live.and_then(|b| b.items).unwrap_or_default();
    let mut items = Vec::new();
    for m in maps(desired, "ordered_cache_behaviors")? {
        let pattern = props::require(m, "path_pattern")?;
        let mut b = match have.iter().position(|b| b.path_pattern == pattern) {
            Some(i) => have.swap_remove(i),
            None => CacheBehavior::builder()
                .path_pattern(&pattern)
                .target_origin_id(props::require(m, "target_origin_id")?)
                .viewer_protocol_policy(ViewerProtocolPolicy::from(
                    props::require(m, "viewer_protocol_policy")?.as_str(),
                ))
                .build()
                .map_err(built("ordered cache behaviour"))?,
        };
        apply_behavior!(b, m, "ordered cache behaviour");
        items.push(b);
    }
    let (quantity, items) = (items.len() as i32, if items.is_empty() { None } else { Some(items) });
    CacheBehaviors::builder().quantity(quantity).set_items(items).build().map_err(built("ordered_cache_behaviors"))
}

/// The stack's custom error responses `v` matched to the `live` ones by
/// error code.
pub fn error_responses(live: Option<CustomErrorResponses>, v: &Value) -> Result<CustomErrorResponses, ProviderError> {
    let mut have: Vec<CustomErrorResponse> = live.and_then(|e| e.items).unwrap_or_default();
    let mut items = Vec::new();
    for m in maps_of(Some(v), "custom_error_responses")? {
        let code = int32(m, "error_code")?.ok_or_else(|| bad("each custom error response needs `error_code`"))?;
        let mut e = match have.iter().position(|e| e.error_code == code) {
            Some(i) => have.swap_remove(i),
            None => CustomErrorResponse::builder().error_code(code).build().map_err(built("custom error response"))?,
        };
        if let Some(t) = int(m, "error_caching_min_ttl") {
            e.error_caching_min_ttl = Some(t);
        }
        if has(m, "response_code") {
            e.response_code = props::string(m, "response_code");
        }
        if has(m, "response_page_path") {
            e.response_page_path = props::string(m, "response_page_path");
        }
        items.push(e);
    }
    let (quantity, items) = (items.len() as i32, if items.is_empty() { None } else { Some(items) });
    CustomErrorResponses::builder().quantity(quantity).set_items(items).build().map_err(built("custom_error_responses"))
}

/// The stack's viewer certificate `v` written onto the `live` one.
pub fn viewer_certificate(live: Option<ViewerCertificate>, v: &Value) -> Result<ViewerCertificate, ProviderError> {
    Ok(certificate(live, map(v, "viewer_certificate")?))
}

fn certificate(live: Option<ViewerCertificate>, m: &Map) -> ViewerCertificate {
    let mut v = live.unwrap_or_else(|| ViewerCertificate::builder().build());
    // One source: an ACM or IAM certificate replaces the default one.
    if let Some(a) = props::string(m, "acm_certificate_arn") {
        v.acm_certificate_arn = Some(a);
        v.iam_certificate_id = None;
        v.cloud_front_default_certificate = Some(false);
    } else if let Some(i) = props::string(m, "iam_certificate_id") {
        v.iam_certificate_id = Some(i);
        v.acm_certificate_arn = None;
        v.cloud_front_default_certificate = Some(false);
    }
    if let Some(d) = props::boolean(m, "cloudfront_default_certificate") {
        v.cloud_front_default_certificate = Some(d);
        if d {
            v.acm_certificate_arn = None;
            v.iam_certificate_id = None;
        }
    }
    #[allow(deprecated)]
    {
        v.certificate = None;
        v.certificate_source = None;
    }
    if let Some(x) = props::string(m, "ssl_support_method") {
        v.ssl_support_method = Some(SslSupportMethod::from(x.as_str()));
    }
    if let Some(x) = props::string(m, "minimum_protocol_version") {
        v.minimum_protocol_version = Some(MinimumProtocolVersion::from(x.as_str()));
    }
    v
}

/// The stack's restrictions `v`.
pub fn restrictions_of(v: &Value) -> Result<Restrictions, ProviderError> {
    restrictions(map(v, "restrictions")?)
}

fn restrictions(m: &Map) -> Result<Restrictions, ProviderError> {
    let geo = match m.get("geo_restriction").filter(|v| !matches!(v, Value::Null)) {
        Some(v) => {
            let g = map(v, "geo_restriction")?;
            let (quantity, items) = list_or_none(props::strings(g, "locations"));
            GeoRestriction::builder()
                .restriction_type(GeoRestrictionType::from(props::require(g, "restriction_type")?.as_str()))
                .quantity(quantity)
                .set_items(items)
                .build()
                .map_err(built("geo_restriction"))?
        }
        None => GeoRestriction::builder()
            .restriction_type(GeoRestrictionType::None)
            .quantity(0)
            .build()
            .map_err(built("geo_restriction"))?,
    };
    Ok(Restrictions::builder().geo_restriction(geo).build())
}

/// The structures too large for a row (origins, cache behaviours): what a
/// create sends is `table` (the table's fields on [`empty`]) with these
/// and the defaults CloudFront needs.
pub fn from_stack(table: DistributionConfigBuilder, desired: &Props) -> Result<DistributionConfig, ProviderError> {
    let mut c = table.build().map_err(built("distribution config"))?;
    apply(&mut c, desired, NESTED)?;
    if c.default_cache_behavior.is_none() {
        return Err(bad("`default_cache_behavior` is required"));
    }
    if c.restrictions.is_none() {
        c.restrictions = Some(restrictions(&Map::new())?);
    }
    if c.viewer_certificate.is_none() {
        c.viewer_certificate = Some(ViewerCertificate::builder().cloud_front_default_certificate(true).build());
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudfront::distribution::{create_config as from_stack, properties as observe};

    fn props(j: serde_json::Value) -> Props {
        match Value::from_json(&j) {
            Value::Map(m) => m,
            _ => unreachable!(),
        }
    }

    fn stack() -> Props {
        props(serde_json::json!({
            "enabled": true,
            "aliases": ["www.example.com", "example.com"],
            "origins": [{ "id": "alb", "domain_name": "alb.example.com",
                          "custom_origin_config": { "origin_protocol_policy": "https-only" } }],
            "default_cache_behavior": { "target_origin_id": "alb", "viewer_protocol_policy": "redirect-to-https",
                                        "forwarded_values": { "query_string": true, "cookies": { "forward": "all" }, "headers": ["*"] },
                                        "default_ttl": 0 },
            "ordered_cache_behaviors": [
                { "path_pattern": "wp-content/*", "target_origin_id": "alb", "viewer_protocol_policy": "https-only", "default_ttl": 86400 },
                { "path_pattern": "wp-includes/*", "target_origin_id": "alb", "viewer_protocol_policy": "https-only", "default_ttl": 86400 }
            ],
            "custom_error_responses": [{ "error_code": 503, "error_caching_min_ttl": 5 }],
            "viewer_certificate": { "acm_certificate_arn": "arn:aws:acm:us-east-1:1:certificate/x", "ssl_support_method": "sni-only" },
        }))
    }

    #[test]
    fn a_created_configuration_reads_back_as_the_stack_wrote_it() {
        let c = from_stack("token", &stack()).unwrap();
        assert_eq!(c.caller_reference, "token");
        let live = observe(&c);
        let want = stack();
        for (k, v) in &want {
            let ty = stackr_schema::cloudfront::DISTRIBUTION.property(k).unwrap();
            let mut d = Props::new();
            d.insert(k.clone(), v.clone());
            let diff = stackr_engine::diff::diff(&stackr_schema::cloudfront::DISTRIBUTION, &d, &live, None, &[]);
            assert_eq!(diff, stackr_engine::diff::Diff::UpToDate, "{} ({:?}) differs: {:?}", k, ty.ty, live.get(k));
        }
        // A new origin gets AWS's defaults; the certificate replaces the default one.
        let origin = &c.origins.as_ref().unwrap().items[0];
        assert_eq!(origin.custom_origin_config.as_ref().unwrap().https_port, 443);
        assert_eq!(c.viewer_certificate.as_ref().unwrap().cloud_front_default_certificate, Some(false));
    }

    #[test]
    fn an_update_keeps_what_the_stack_does_not_set() {
        let mut c = from_stack("token", &stack()).unwrap();
        // Set outside the schema (e.g. in the console): must survive.
        c.default_cache_behavior.as_mut().unwrap().smooth_streaming = Some(true);
        let items = c.cache_behaviors.as_mut().unwrap().items.as_mut().unwrap();
        items[1].field_level_encryption_id = Some("fle".into());
        let mut want = stack();
        let Some(Value::List(ordered)) = want.get_mut("ordered_cache_behaviors") else { unreachable!() };
        ordered.reverse();
        if let Value::Map(m) = &mut ordered[1] {
            m.insert("default_ttl".into(), Value::Number(60.0));
        }
        apply(&mut c, &want, &["ordered_cache_behaviors", "default_cache_behavior"]).unwrap();
        let items = c.cache_behaviors.as_ref().unwrap().items.as_ref().unwrap();
        assert_eq!(items[0].path_pattern, "wp-includes/*");
        assert_eq!(items[0].field_level_encryption_id.as_deref(), Some("fle"));
        assert_eq!((items[1].path_pattern.as_str(), items[1].default_ttl), ("wp-content/*", Some(60)));
        assert_eq!(c.default_cache_behavior.as_ref().unwrap().smooth_streaming, Some(true));
        assert_eq!(c.default_cache_behavior.as_ref().unwrap().default_ttl, Some(0));
    }

    #[test]
    fn a_create_sends_what_an_update_would_write_onto_an_empty_configuration() {
        let mut p = stack();
        for (k, v) in [
            ("comment", serde_json::json!("site")),
            ("default_root_object", serde_json::json!("index.html")),
            ("price_class", serde_json::json!("PriceClass_100")),
            ("http_version", serde_json::json!("http2and3")),
            ("is_ipv6_enabled", serde_json::json!(true)),
            ("web_acl_id", serde_json::json!("arn:aws:wafv2:us-east-1:1:global/webacl/x/y")),
            (
                "restrictions",
                serde_json::json!({ "geo_restriction": { "restriction_type": "whitelist", "locations": ["JP"] } }),
            ),
        ] {
            p.insert(k.into(), Value::from_json(&v));
        }
        for props in [stack(), p] {
            let mut updated = empty("token").unwrap().build().unwrap();
            let fields: Vec<&str> = props.keys().map(String::as_str).collect();
            apply(&mut updated, &props, &fields).unwrap();
            let created = from_stack("token", &props).unwrap();
            updated.restrictions = updated.restrictions.or_else(|| created.restrictions.clone());
            assert_eq!(created, updated);
        }
    }

    #[test]
    fn bad_input_is_refused() {
        let mut p = stack();
        p.remove("default_cache_behavior");
        assert!(from_stack("t", &p).unwrap_err().message.contains("default_cache_behavior"));
        let p = props(serde_json::json!({ "origins": [{ "domain_name": "x" }], "enabled": true }));
        assert_eq!(from_stack("t", &p).unwrap_err().kind, ErrorKind::Invalid);
    }
}
