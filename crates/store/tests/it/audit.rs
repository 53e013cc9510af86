//! The audit chain.
use crate::common::*;
use innocity_core::audit::Break;
use innocity_store::audit;

#[tokio::test]
async fn audit_chain_detects_edit_and_delete() {
    let t = demo_db(30).await;
    let n = audit::verify(&t.db).await.unwrap().unwrap();
    assert!(n > 30, "units, imports and accounts are audited: {n}");
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("UPDATE audit_log SET after_json = '{}' WHERE seq = 5", vec![]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit::verify(&t.db).await.unwrap(), Err(Break::Edited { seq: 5 }));

    let t = demo_db(30).await;
    let tx = t.db.begin_write().await.unwrap();
    tx.exec("DELETE FROM audit_log WHERE seq = 7", vec![]).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(audit::verify(&t.db).await.unwrap(), Err(Break::Gap { from: 7, to: 7 }));
}
