use crate::prelude::*;

const CUSTOM_ORIGIN_CONFIG: PropType = PropType::Object(&[
    prop("origin_protocol_policy", PropType::Enum(&["http-only", "match-viewer", "https-only"]))
        .required()
        .doc("Protocol to the origin."),
    prop("http_port", PropType::Int).range(1.0, 65535.0).doc("Default 80."),
    prop("https_port", PropType::Int).range(1.0, 65535.0).doc("Default 443."),
    prop("origin_ssl_protocols", PropType::List(&PropType::Enum(&["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"])))
        .unordered()
        .doc("TLS versions to the origin; default [TLSv1.2]."),
    prop("origin_read_timeout", PropType::Int)
        .range(1.0, 180.0)
        .doc("Seconds, 1 to 120 (to 180 with a quota increase); default 30."),
    prop("origin_keepalive_timeout", PropType::Int)
        .range(1.0, 180.0)
        .doc("Seconds, 1 to 60 (to 180 with a quota increase); default 5."),
    prop("ip_address_type", PropType::Enum(&["ipv4", "ipv6", "dualstack"]))
        .doc("Address family to the origin; default ipv4."),
]);

const ORIGIN: PropType = PropType::Object(&[
    prop("id", PropType::String).required().doc("Name cache behaviours use (target_origin_id)."),
    prop("domain_name", PropType::String).required().doc("Origin host name, e.g. the ALB's DNS name."),
    prop("origin_path", PropType::String).doc("Path prefixed to requests, e.g. /prod."),
    prop("custom_headers", STRING_MAP).doc("Headers CloudFront adds to origin requests."),
    prop("connection_attempts", PropType::Int).range(1.0, 3.0).doc("1 to 3; default 3."),
    prop("connection_timeout", PropType::Int).range(1.0, 10.0).doc("Seconds, 1 to 10; default 10."),
    prop("custom_origin_config", CUSTOM_ORIGIN_CONFIG).doc("For a web server or load balancer origin."),
    prop(
        "s3_origin_config",
        PropType::Object(&[
            prop("origin_access_identity", PropType::String).doc("origin-access-identity/cloudfront/<id>, or empty.")
        ]),
    )
    .doc("For an S3 bucket origin."),
    prop("origin_access_control_id", PropType::String).doc("Origin access control (S3, Lambda URLs)."),
]);

const COOKIES: PropType = PropType::Object(&[
    prop("forward", PropType::Enum(&["none", "whitelist", "all"])).required().doc("Cookies to forward."),
    prop("whitelisted_names", STRINGS).unordered().doc("Names, when forward is whitelist."),
]);

/// The legacy cache settings, instead of cache and origin request policies.
const FORWARDED_VALUES: PropType = PropType::Object(&[
    prop("query_string", PropType::Bool).required().doc("Forward (and cache on) the query string."),
    prop("query_string_cache_keys", STRINGS).unordered().doc("Only these parameters in the cache key."),
    prop("cookies", COOKIES).required().doc("Cookies to forward (and cache on)."),
    prop("headers", STRINGS).unordered().doc("Headers to forward (and cache on); [\"*\"] for all, disabling caching."),
]);

const METHODS: PropType =
    PropType::List(&PropType::Enum(&["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]));

/// The fields shared by the default and the ordered cache behaviours,
/// after any given first.
macro_rules! behavior {
    ($($first:expr),*) => {
        PropType::Object(&[
            $($first,)*
            prop("target_origin_id", PropType::String).required().doc("The origin's id."),
            prop("viewer_protocol_policy", PropType::Enum(&["allow-all", "https-only", "redirect-to-https"]))
                .required()
                .doc("Protocol viewers may use."),
            prop("allowed_methods", METHODS)
                .unordered()
                .doc("[GET, HEAD] (default), + OPTIONS, or all seven."),
            prop("cached_methods", METHODS).unordered().doc("[GET, HEAD] (default) or + OPTIONS."),
            prop("compress", PropType::Bool).doc("Compress eligible responses; default false."),
            prop("cache_policy_id", PropType::String).doc("A cache policy, instead of forwarded_values."),
            prop("origin_request_policy_id", PropType::String).doc("An origin request policy."),
            prop("response_headers_policy_id", PropType::String).doc("A response headers policy."),
            prop("forwarded_values", FORWARDED_VALUES).doc("Legacy cache key settings, instead of cache_policy_id."),
            prop("min_ttl", PropType::Int).doc("Seconds; with forwarded_values only; default 0."),
            prop("default_ttl", PropType::Int).doc("Seconds; with forwarded_values only; default 86400."),
            prop("max_ttl", PropType::Int).doc("Seconds; with forwarded_values only; default 31536000."),
        ])
    };
}

const DEFAULT_CACHE_BEHAVIOR: PropType = behavior!();
const ORDERED_CACHE_BEHAVIOR: PropType =
    behavior!(prop("path_pattern", PropType::String).required().doc("Requests it applies to, e.g. wp-content/*."));

const CUSTOM_ERROR_RESPONSE: PropType = PropType::Object(&[
    prop("error_code", PropType::Int).required().range(400.0, 599.0).doc("The origin's HTTP error code, e.g. 503."),
    prop("error_caching_min_ttl", PropType::Int).doc("Seconds to cache the error; default 10."),
    prop("response_code", PropType::String).doc("Code returned to viewers instead."),
    prop("response_page_path", PropType::String).doc("Page returned instead, e.g. /errors/503.html."),
]);

const VIEWER_CERTIFICATE: PropType = PropType::Object(&[
    prop("acm_certificate_arn", PropType::String).doc("An ACM certificate in us-east-1."),
    prop("cloudfront_default_certificate", PropType::Bool).doc("Use *.cloudfront.net; no aliases."),
    prop("iam_certificate_id", PropType::String).doc("An IAM server certificate, instead of ACM."),
    prop("ssl_support_method", PropType::Enum(&["sni-only", "vip", "static-ip"]))
        .doc("sni-only with your own certificate (vip costs extra)."),
    prop(
        "minimum_protocol_version",
        PropType::Enum(&[
            "SSLv3",
            "TLSv1",
            "TLSv1_2016",
            "TLSv1.1_2016",
            "TLSv1.2_2018",
            "TLSv1.2_2019",
            "TLSv1.2_2021",
            "TLSv1.2_2025",
            "TLSv1.3_2025",
        ]),
    )
    .doc("Security policy for viewers, e.g. TLSv1.2_2021."),
]);

const RESTRICTIONS: PropType = PropType::Object(&[prop(
    "geo_restriction",
    PropType::Object(&[
        prop("restriction_type", PropType::Enum(&["none", "whitelist", "blacklist"]))
            .required()
            .doc("Allow or deny the listed countries."),
        prop("locations", STRINGS).unordered().doc("ISO 3166-1 alpha-2 country codes."),
    ]),
)
.doc("Country restrictions; none by default.")]);

pub const DISTRIBUTION: TypeSchema = TypeSchema {
    kind: "aws.cloudfront.distribution",
    role: Role::Resource,
    doc: "A CloudFront web distribution (CreateDistributionWithTags); every field changes in place \
          (UpdateDistribution). Ready when Deployed.",
    properties: &[
        prop("enabled", PropType::Bool).required().doc("Serve requests."),
        prop("comment", PropType::String).doc("Up to 128 characters."),
        prop("aliases", STRINGS).unordered().doc("Alternate domain names (CNAMEs); need a certificate covering them."),
        prop("default_root_object", PropType::String).doc("Object returned for /, e.g. index.html."),
        prop("price_class", PropType::Enum(&["PriceClass_100", "PriceClass_200", "PriceClass_All"]))
            .doc("Edge locations used; default PriceClass_All."),
        prop("http_version", PropType::Enum(&["http1.1", "http2", "http3", "http2and3"]))
            .doc("Highest HTTP version offered to viewers; default http2."),
        prop("is_ipv6_enabled", PropType::Bool).doc("Answer over IPv6 (AAAA aliases need it)."),
        prop("web_acl_id", PropType::String).doc("ARN of a WAFv2 web ACL of scope CLOUDFRONT."),
        prop("origins", PropType::List(&ORIGIN)).required().doc("Where content comes from."),
        prop("default_cache_behavior", DEFAULT_CACHE_BEHAVIOR)
            .required()
            .doc("Behaviour for requests no ordered behaviour matches."),
        prop("ordered_cache_behaviors", PropType::List(&ORDERED_CACHE_BEHAVIOR))
            .doc("Behaviours by path pattern, first match wins."),
        prop("custom_error_responses", PropType::List(&CUSTOM_ERROR_RESPONSE))
            .doc("Error caching and replacement pages."),
        prop("viewer_certificate", VIEWER_CERTIFICATE).doc("TLS to viewers; default the *.cloudfront.net certificate."),
        prop("restrictions", RESTRICTIONS).doc("Geographic restrictions."),
    ],
    attributes: &[
        attr("id", PropType::String, "The distribution ID (E...)."),
        attr("arn", PropType::String, "The distribution ARN."),
        attr("domain_name", PropType::String, "The d....cloudfront.net host name."),
        attr("hosted_zone_id", PropType::String, "Z2FDTNDATAQYW2, the zone of every distribution, for alias records."),
        attr("etag", PropType::String, "Version of the current configuration (If-Match of updates)."),
        attr("status", PropType::String, "InProgress or Deployed."),
    ],
    taggable: true,
    has_readiness: true,
};
