//! Moving the cluster from one manifest to another (Helm's
//! `kube.Client.Update`): create what is new, apply what exists, then
//! delete what the old manifest had and the new one lacks, unless its
//! live object asks to be kept.

use super::error::ClusterError;
use super::interface::{ApplyOptions, Cluster, Deleted, Propagation, Resource};
use super::objects::{KEEP_POLICY, RESOURCE_POLICY_ANNOTATION, annotation};

/// How to update.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpdateOptions {
    /// Replace existing objects (`PUT`) instead of applying them.
    pub force_replace: bool,
    /// Server-side apply with `force=true`.
    pub force_conflicts: bool,
    /// Move client-side-apply field ownership to server-side apply first.
    pub upgrade_client_side_fields: bool,
}

/// What an update did.
#[derive(Clone, Debug, Default)]
pub struct UpdateResult {
    /// Objects that did not exist and were created (even if creating one
    /// failed: Helm counts it, so `--cleanup-on-fail` tries to delete it).
    pub created: Vec<Resource>,
    /// Objects that existed and were applied.
    pub updated: Vec<Resource>,
    /// Objects of the old manifest that were deleted.
    pub deleted: Vec<Resource>,
}

/// Updates the cluster from `originals` to `targets`. Stops at the first
/// object that cannot be read or created; collects failures to apply
/// existing objects and to delete old ones, joined with ` && ` as Helm
/// joins them.
pub async fn update<C: Cluster>(
    cluster: &C,
    originals: &[Resource],
    targets: &[Resource],
    options: UpdateOptions,
) -> (UpdateResult, Result<(), ClusterError>) {
    let mut result = UpdateResult::default();
    let mut errors: Vec<String> = Vec::new();
    for target in targets {
        let live = match cluster.get(target).await {
            Ok(l) => l,
            Err(e) => {
                return (
                    result,
                    Err(ClusterError::Other(format!(
                        "could not get information about the resource: {e}"
                    ))),
                );
            }
        };
        if live.is_none() {
            result.created.push(target.clone());
            let create = ApplyOptions {
                force_conflicts: options.force_conflicts,
                ..ApplyOptions::default()
            };
            if let Err(e) = cluster.apply(target, create).await {
                return (
                    result,
                    Err(ClusterError::Other(format!(
                        "failed to create resource: {e}"
                    ))),
                );
            }
            continue;
        }
        let outcome = if options.force_replace {
            cluster.replace(target).await
        } else {
            cluster
                .apply(
                    target,
                    ApplyOptions {
                        force_conflicts: options.force_conflicts,
                        dry_run: false,
                        upgrade_client_side_fields: options.upgrade_client_side_fields,
                    },
                )
                .await
        };
        if let Err(e) = outcome {
            errors.push(e.to_string());
        }
        result.updated.push(target.clone());
    }
    if !errors.is_empty() {
        return (result, Err(ClusterError::Other(errors.join(" && "))));
    }
    for original in &removed(cluster, originals, targets).await {
        match cluster.delete(original, Propagation::Background).await {
            Ok(Deleted::Yes) => result.deleted.push(original.clone()),
            Ok(Deleted::NotFound) => {}
            Err(e) => errors.push(format!(
                "failed to delete resource namespace={}, name={}, kind={}: {e}",
                original.namespace.as_deref().unwrap_or_default(),
                original.object.name,
                original.object.kind
            )),
        }
    }
    if errors.is_empty() {
        (result, Ok(()))
    } else {
        (result, Err(ClusterError::Other(errors.join(" && "))))
    }
}

/// The objects of `originals` that `targets` no longer has and that are
/// still there without `helm.sh/resource-policy: keep`: what moving from
/// one to the other deletes (objects that cannot be read are left alone,
/// as Helm leaves them).
pub async fn removed<C: Cluster>(
    cluster: &C,
    originals: &[Resource],
    targets: &[Resource],
) -> Vec<Resource> {
    let wanted: std::collections::HashSet<_> = targets.iter().map(Resource::id).collect();
    let mut out = Vec::new();
    for original in originals.iter().filter(|o| !wanted.contains(&o.id())) {
        let Ok(Some(live)) = cluster.get(original).await else {
            continue;
        };
        if annotation(&live, RESOURCE_POLICY_ANNOTATION) != Some(KEEP_POLICY) {
            out.push(original.clone());
        }
    }
    out
}
