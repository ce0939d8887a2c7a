use isodb::storage::{Db, Durability, Options, WriteBatch};
use std::ops::Bound;

#[test]
fn smoke() {
    let dir = tempfile::tempdir().unwrap();
    let opts = Options {
        pool_bytes: 1 << 20,
        ..Options::default()
    };
    {
        let db = Db::open(dir.path(), opts.clone()).unwrap();
        let t = db.create_tree("t").unwrap();
        for chunk in 0..20u32 {
            let mut b = WriteBatch::new();
            for i in 0..1000u32 {
                let k = (chunk * 1000 + i).wrapping_mul(2654435761).to_be_bytes();
                b.put("t", &k, &[i as u8; 100]);
            }
            db.commit(b, Durability::Sync).unwrap();
        }
        assert_eq!(t.iter().count(), 20000);
        let big = vec![7u8; 100_000];
        t.put(b"big", &big).unwrap();
        assert_eq!(t.get(b"big").unwrap().unwrap(), big);
        println!("{:?}", db.stats());
    }
    let db = Db::open(dir.path(), opts).unwrap();
    let t = db.tree("t").unwrap();
    let all: Vec<_> = t.iter().map(|r| r.unwrap()).collect();
    assert_eq!(all.len(), 20001);
    assert!(all.windows(2).all(|w| w[0].0 < w[1].0));
    let rev: Vec<_> = t
        .range(Bound::Unbounded, Bound::Unbounded, true)
        .map(|r| r.unwrap().0)
        .collect();
    assert_eq!(rev.len(), 20001);
    assert!(rev.windows(2).all(|w| w[0] > w[1]));
    for (k, _) in all.iter().take(15000) {
        t.delete(k).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(t.iter().count(), 5001);
    println!("{:?}", db.stats());
}
