//! helm's kind sorter (`releaseutil.InstallOrder`): the order manifests and
//! hooks are installed in, by kind. helm v4 adds the admission webhook
//! configurations at the end of the list.

use crate::compat::Compat;

/// helm v3's `InstallOrder`.
const INSTALL_ORDER_V3: &[&str] = &[
    "PriorityClass",
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "IngressClass",
    "Ingress",
    "APIService",
];

/// What helm v4 appends to v3's list.
const INSTALL_ORDER_V4_EXTRA: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// The position of `kind` in `compat`'s install order, `None` for a kind
/// the list does not name.
fn rank(kind: &str, compat: Compat) -> Option<usize> {
    let base = INSTALL_ORDER_V3.iter().position(|k| *k == kind);
    match (base, compat) {
        (Some(i), _) => Some(i),
        (None, Compat::V3) => None,
        (None, Compat::V4) => INSTALL_ORDER_V4_EXTRA
            .iter()
            .position(|k| *k == kind)
            .map(|i| INSTALL_ORDER_V3.len() + i),
    }
}

/// helm's `lessByKind`: known kinds in list order, unknown kinds after
/// them in byte order of the kind.
fn less(a: &str, b: &str, compat: Compat) -> bool {
    match (rank(a, compat), rank(b, compat)) {
        (None, None) => a < b,
        (None, Some(_)) => false,
        (Some(_), None) => true,
        (Some(x), Some(y)) => x < y,
    }
}

/// Sorts `items` by kind (stable: equal kinds keep their order), as
/// `sort.SliceStable` with `lessByKind` does.
pub fn sort_by_kind<T>(items: &mut [T], compat: Compat, kind: impl Fn(&T) -> &str) {
    items.sort_by(|a, b| {
        let (ka, kb) = (kind(a), kind(b));
        if less(ka, kb, compat) {
            std::cmp::Ordering::Less
        } else if less(kb, ka, compat) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(kinds: &[&'static str], compat: Compat) -> Vec<&'static str> {
        let mut v = kinds.to_vec();
        sort_by_kind(&mut v, compat, |k| k);
        v
    }

    // helm's kind_sorter_test.go cases, condensed.
    #[test]
    fn known_kinds_in_install_order_unknown_last_alphabetically() {
        let input = [
            "Zed",
            "Deployment",
            "Service",
            "Apple",
            "Namespace",
            "Service",
            "ConfigMap",
            "",
        ];
        assert_eq!(
            sorted(&input, Compat::V4),
            [
                "Namespace",
                "ConfigMap",
                "Service",
                "Service",
                "Deployment",
                "",
                "Apple",
                "Zed"
            ]
        );
    }

    #[test]
    fn webhooks_known_in_v4_only() {
        let input = [
            "ValidatingWebhookConfiguration",
            "MutatingWebhookConfiguration",
            "APIService",
            "Alpha",
        ];
        assert_eq!(
            sorted(&input, Compat::V4),
            [
                "APIService",
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration",
                "Alpha"
            ]
        );
        assert_eq!(
            sorted(&input, Compat::V3),
            [
                "APIService",
                "Alpha",
                "MutatingWebhookConfiguration",
                "ValidatingWebhookConfiguration"
            ]
        );
    }
}
