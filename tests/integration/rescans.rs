//! Rescans into a history reuse the chain verifications of earlier scans (`trust::TrustCache`)
//! exactly when nothing that decides them changed: each invalidation rule of the cache, and
//! that a reused verification reports what a fresh one would.

use crate::common::{ca, certaudit, date, root, Ca, Leaf, Run, Scratch};

/// A store: an intermediate under `root`, three leaves it issued, a self-signed leaf and a
/// leaf whose issuer is missing. Returns the intermediate's PEM.
fn store(s: &Scratch, anchor: &Ca) -> String {
    let issuing = ca("Issuing CA", Some(anchor), date(2020, 1, 1), date(2026, 9, 1));
    let stranger = ca(
        "Stranger CA",
        Some(&root("Stranger Root")),
        date(2020, 1, 1),
        date(2035, 1, 1),
    );
    s.put("issuing.pem", issuing.pem());
    for n in 1..=3 {
        s.put(
            &format!("leaf{n}.pem"),
            Leaf::new(&format!("mail{n}.contoso.com")).issued_by(&issuing),
        );
    }
    s.put("self.pem", Leaf::new("self.contoso.com").self_signed());
    s.put("orphan.pem", Leaf::new("orphan.contoso.com").issued_by(&stranger));
    issuing.pem()
}

/// `scan` of the store into the scratch history, with `extra` options.
fn scan(s: &Scratch, anchors: &std::path::Path, at: &str, extra: &[&str]) -> Run {
    let out = s.out();
    let store = s.store();
    let history = s.dir.path().join("history.sqlite");
    let mut args = vec![
        "scan",
        store.to_str().unwrap(),
        "--no-public-roots",
        "--trust-anchors",
        anchors.to_str().unwrap(),
        "--at",
        at,
        "-f",
        "json",
        "-o",
        out.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        "--audit",
        "rescans",
    ];
    args.extend_from_slice(extra);
    certaudit(&args, Some(&out))
}

/// How many verifications the scan says it reused.
fn reused(run: &Run) -> usize {
    const TAIL: &str = " chain verification(s) reused from earlier scans";
    match run.stderr.find(TAIL) {
        Some(at) => run.stderr[..at].rsplit("; ").next().unwrap().trim().parse().unwrap(),
        None => 0,
    }
}

/// Each certificate's subject, trust status and detail, and whether it signed itself.
fn trust(run: &Run) -> Vec<(String, &'static str, String, bool)> {
    let mut v: Vec<_> = run
        .report()
        .certificates
        .iter()
        .map(|c| {
            (
                c.subject.clone(),
                c.trust.status.as_str(),
                c.trust.detail.clone(),
                c.self_signed,
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

#[test]
fn a_rescan_reuses_every_verification_and_reports_the_same() {
    let s = Scratch::new();
    let anchor = root("Rescan Root");
    store(&s, &anchor);
    let anchors = s.side("root.pem", anchor.pem());
    let first = scan(&s, &anchors, "2026-06-01", &[]);
    assert!(first.code <= 1, "{}", first.stderr);
    assert_eq!(reused(&first), 0, "nothing to reuse yet: {}", first.stderr);
    let second = scan(&s, &anchors, "2026-06-01", &[]);
    assert_eq!(reused(&second), 5, "every end-entity certificate: {}", second.stderr);
    assert_eq!(
        trust(&first),
        trust(&second),
        "a reused verification reports what a fresh one did"
    );
    let statuses: Vec<String> = trust(&second).iter().map(|t| t.1.to_string()).collect();
    for status in ["trusted", "self-signed", "missing-intermediate"] {
        assert!(statuses.iter().any(|s| s == status), "{statuses:?}");
    }
    assert!(trust(&second).iter().any(|t| t.0.contains("self.contoso.com") && t.3));
}

#[test]
fn changing_the_anchors_or_the_pack_verifies_again() {
    let s = Scratch::new();
    let anchor = root("Rescan Root");
    store(&s, &anchor);
    let anchors = s.side("root.pem", anchor.pem());
    scan(&s, &anchors, "2026-06-01", &[]);
    // Another anchor beside the first: a different anchor set.
    let both = s.side("both.pem", format!("{}{}", anchor.pem(), root("Other Root").pem()));
    let other_anchors = scan(&s, &both, "2026-06-01", &[]);
    assert_eq!(reused(&other_anchors), 0, "{}", other_anchors.stderr);
    let pack = s.side(
        "pack.toml",
        "id = \"stricter\"\n[rules.weak-key]\nmin_rsa_bits = 3072\n",
    );
    let other_pack = scan(&s, &anchors, "2026-06-01", &["--pack", pack.to_str().unwrap()]);
    assert_eq!(reused(&other_pack), 0, "{}", other_pack.stderr);
    // Back to the first anchors and pack: what was kept for them is still there.
    let again = scan(&s, &anchors, "2026-06-01", &[]);
    assert_eq!(reused(&again), 5, "{}", again.stderr);
}

#[test]
fn crossing_a_validity_boundary_verifies_again() {
    let s = Scratch::new();
    let anchor = root("Rescan Root");
    store(&s, &anchor);
    let anchors = s.side("root.pem", anchor.pem());
    let june = scan(&s, &anchors, "2026-06-01", &[]);
    // Later, but every certificate still where it was against its validity: reused.
    let july = scan(&s, &anchors, "2026-07-01", &[]);
    assert_eq!(reused(&july), 5, "{}", july.stderr);
    assert_eq!(trust(&june), trust(&july));
    // After the issuing CA expired (2026-09-01): its three leaves are judged again, and now
    // fail on their expired issuer; the other two are reused.
    let october = scan(&s, &anchors, "2026-10-01", &[]);
    assert_eq!(reused(&october), 2, "{}", october.stderr);
    let expired_issuer = trust(&october).iter().filter(|t| t.1 == "expired-issuer").count();
    assert_eq!(expired_issuer, 3, "{:?}", trust(&october));
}

#[test]
fn a_new_certificate_in_the_chain_verifies_again() {
    let s = Scratch::new();
    let anchor = root("Rescan Root");
    store(&s, &anchor);
    let anchors = s.side("root.pem", anchor.pem());
    scan(&s, &anchors, "2026-06-01", &[]);
    // The stranger's chain becomes complete: its root is now a second anchor and its
    // intermediate joins the store. The leaf's candidate issuers changed with it.
    let stranger_root = root("Stranger Root 2");
    let stranger = ca(
        "Stranger CA 2",
        Some(&stranger_root),
        date(2020, 1, 1),
        date(2035, 1, 1),
    );
    s.put("late.pem", Leaf::new("late.contoso.com").issued_by(&stranger));
    let again = scan(&s, &anchors, "2026-06-01", &[]);
    assert_eq!(
        reused(&again),
        5,
        "the new leaf is verified, the rest reused: {}",
        again.stderr
    );
    s.put("stranger.pem", stranger.pem());
    let with_issuer = scan(&s, &anchors, "2026-06-01", &[]);
    assert_eq!(
        reused(&with_issuer),
        5,
        "the leaf whose issuer appeared is verified again: {}",
        with_issuer.stderr
    );
    let late = |run: &Run| {
        trust(run)
            .into_iter()
            .find(|t| t.0.contains("late.contoso.com"))
            .unwrap()
    };
    // Before, the chain stopped at the missing intermediate; now at its root, also missing.
    assert!(late(&again).2.contains("'CN=Stranger CA 2'"), "{:?}", late(&again));
    assert!(
        late(&with_issuer).2.contains("'CN=Stranger Root 2'"),
        "{:?}",
        late(&with_issuer)
    );
}
