//! Needs the fetched model (scripts/fetch-models.sh); skips with a message when it is absent.

use onrecord_embed::{cosine, default_model_dir, model_present, Encoder, DIM};

fn encoder() -> Option<Encoder> {
    let dir = default_model_dir();
    if !model_present(&dir) {
        eprintln!("SKIP: no MiniLM model in {} (run scripts/fetch-models.sh)", dir.display());
        return None;
    }
    match Encoder::load(&dir) {
        Ok(e) => Some(e),
        Err(e) => panic!("model present but failed to load: {e}"),
    }
}

const S: [&str; 3] = [
    "The Kremlin denied that the two leaders had spoken by phone.",
    "Moscow said the presidents never had a telephone conversation.",
    "Heavy rain caused flooding across the region on Sunday.",
];

#[test]
fn matches_numpy_reference() {
    let Some(enc) = encoder() else { return };
    let e = enc.encode(&S).expect("encode");
    assert_eq!(e.len(), 3);
    assert!(e.iter().all(|v| v.len() == DIM));
    // Computed once with an independent numpy BERT over the same safetensors (float64).
    let want = [-0.04955f32, 0.129242, 0.077748, 0.012166, -0.005188];
    for (k, w) in want.iter().enumerate() {
        assert!((e[0][k] - w).abs() < 1e-4, "dim {k}: {} vs {w}", e[0][k]);
    }
    let (c01, c02) = (cosine(&e[0], &e[1]), cosine(&e[0], &e[2]));
    assert!((c01 - 0.5731).abs() < 1e-3, "{c01}");
    assert!((c02 + 0.0628).abs() < 1e-3, "{c02}");
    assert!(c01 > c02 + 0.3);
    let norm: f32 = e[0].iter().map(|x| x * x).sum::<f32>().sqrt();
    assert!((norm - 1.0).abs() < 1e-4);
}

#[test]
fn batching_and_padding_do_not_change_embeddings() {
    let Some(enc) = encoder() else { return };
    let long = "word ".repeat(600); // over the 256-token limit: truncated, not an error
    let batch = enc.encode(&[S[0], "", long.as_str(), S[2]]).expect("encode");
    let alone = enc.encode(&[S[0]]).expect("encode");
    assert!(cosine(&batch[0], &alone[0]) > 0.9999);
    assert_eq!(batch[1].len(), DIM);
    assert_eq!(batch[2].len(), DIM);
    assert!(enc.encode(&[]).expect("empty").is_empty());
}

#[test]
fn speed_is_reported() {
    let Some(enc) = encoder() else { return };
    let texts: Vec<String> = (0..64).map(|i| format!("Officials said on day {i} that the report was not true.")).collect();
    let refs: Vec<&str> = texts.iter().map(|s| s.as_str()).collect();
    let t = std::time::Instant::now();
    enc.encode(&refs).expect("encode");
    eprintln!("MiniLM: 64 short sentences in {:.2} s", t.elapsed().as_secs_f64());
}

#[test]
fn token_states_cover_long_texts() {
    let Some(enc) = encoder() else { return };
    let short = "The minister said the talks had failed.";
    let long: String = std::iter::repeat_n(S[0], 60).collect::<Vec<_>>().join(" ");
    let st = enc.token_states(&long).expect("token states");
    assert!(st.offsets.len() > 600, "{} pieces", st.offsets.len());
    assert_eq!(st.states.len(), st.offsets.len() * DIM);
    // Every piece gets a state from some window, and offsets are byte ranges in order.
    for i in 0..st.offsets.len() {
        let row = st.row(i).expect("row");
        assert!(row.iter().any(|&x| x != 0.0), "piece {i} has no state");
    }
    assert!(st.offsets.windows(2).all(|w| w[0].1 <= w[1].0));
    let s = enc.token_states(short).expect("short");
    assert_eq!(&short[s.offsets[1].0..s.offsets[1].1], "minister");
    assert!(enc.token_states("").expect("empty").offsets.is_empty());
}

#[test]
fn static_embeddings_match_numpy_reference() {
    let dir = default_model_dir();
    if !model_present(&dir) {
        eprintln!("SKIP: no MiniLM model in {} (run scripts/fetch-models.sh)", dir.display());
        return;
    }
    let st = onrecord_embed::StaticEmbeddings::load(&dir).expect("static embeddings");
    let s = st.token_states("Officials denied it").expect("states");
    assert_eq!(s.offsets, vec![(0, 9), (10, 16), (17, 19)]);
    assert_eq!(s.states.len(), 3 * DIM);
    // "denied" (id 6380): word + segment-0 embedding, layer-normalised, computed with numpy (float64).
    let want = [1.21042f32, 1.44148, 0.85621, -1.31443];
    let row = s.row(1).expect("row");
    for (k, w) in want.iter().enumerate() {
        assert!((row[k] - w).abs() < 1e-4, "dim {k}: {} vs {w}", row[k]);
    }
    assert!(st.token_states("").expect("empty").offsets.is_empty());
}
