//! Whether the client's identity may do something: a
//! `SelfSubjectAccessReview`, asked as the client (so an impersonating
//! client gets the impersonated user's answer, exactly what RBAC would
//! decide for that user's own request).

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::Api;
use kube::api::PostParams;

use super::error::ClusterError;

/// A verb on a core-group resource kind in one namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessQuestion<'a> {
    /// `list`, `get`, ...
    pub verb: &'a str,
    /// The resource (plural, core group): `secrets`, `configmaps`.
    pub resource: &'a str,
    /// The namespace asked about.
    pub namespace: &'a str,
}

/// Asks the API server whether the client's identity may do `q`.
///
/// `false` covers both "denied" and "no opinion" (RBAC's default deny).
pub async fn can_i(client: &kube::Client, q: &AccessQuestion<'_>) -> Result<bool, ClusterError> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                verb: Some(q.verb.to_string()),
                resource: Some(q.resource.to_string()),
                namespace: Some(q.namespace.to_string()),
                group: Some(String::new()),
                ..ResourceAttributes::default()
            }),
            ..SelfSubjectAccessReviewSpec::default()
        },
        ..SelfSubjectAccessReview::default()
    };
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let answer = api
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| ClusterError::from_kube("access review", e))?;
    Ok(answer
        .status
        .is_some_and(|s| s.allowed && !s.denied.unwrap_or(false)))
}
