//! An admin client that counts what it sends on the wire, for the tests
//! that prove how many watches and reads the cluster layer makes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use kube::config::{KubeConfigOptions, Kubeconfig};

use crate::harness::cluster;

/// Requests a client sent: watches, and other reads (LIST/GET).
#[derive(Default)]
pub struct Counts {
    /// Requests with `watch=true`.
    pub watches: AtomicUsize,
    /// Other GETs (LIST or GET).
    pub reads: AtomicUsize,
}

/// An admin client that counts the requests it sends in `counts`.
pub async fn counting_client(counts: Arc<Counts>) -> kube::Client {
    let kc = Kubeconfig::read_from(&cluster().kubeconfig).expect("kubeconfig");
    let opts = KubeConfigOptions {
        context: Some("admin".into()),
        ..Default::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kc, &opts)
        .await
        .expect("config");
    let counter =
        tower::util::MapRequestLayer::new(move |req: http::Request<kube::client::Body>| {
            let watch = req
                .uri()
                .query()
                .is_some_and(|q| q.split('&').any(|p| p == "watch=true"));
            if watch {
                counts.watches.fetch_add(1, Ordering::SeqCst);
            } else if req.method() == http::Method::GET {
                counts.reads.fetch_add(1, Ordering::SeqCst);
            }
            req
        });
    kube::client::ClientBuilder::try_from(config)
        .expect("client builder")
        .with_layer(&counter)
        .build()
}
