//! Prints MiniLM cosines and lexical Jaccard for claim pairs written to tune the clustering
//! threshold: paraphrases of one statement (should cluster) and different statements about the
//! same story (should not). `cargo run --release -p onrecord-ledger --features embeddings --example claim_pairs`

use onrecord_ledger::claims::ClaimEncoder;
use onrecord_ledger::MiniLmEncoder;

/// (same claim?, a, b)
const PAIRS: &[(bool, &str, &str)] = &[
    (
        true,
        "the president and his counterpart spoke by telephone on Thursday",
        "the two leaders held a phone call on Thursday",
    ),
    (
        true,
        "the central bank will raise interest rates next month to curb inflation",
        "borrowing costs will go up next month as the central bank fights rising prices",
    ),
    (
        true,
        "the company plans to cut 2,000 jobs by the end of the year",
        "the firm intends to lay off two thousand workers before the year is out",
    ),
    (
        true,
        "the minister resigned after the scandal broke",
        "the minister stepped down once the scandal became public",
    ),
    (
        true,
        "the factory fire was caused by a faulty electrical cable",
        "a defective power cable started the blaze at the plant",
    ),
    (
        true,
        "the senator will not seek re-election next year",
        "the senator has decided against running for another term next year",
    ),
    (
        true,
        "the ceasefire was violated by artillery fire overnight",
        "shelling overnight broke the truce",
    ),
    (
        true,
        "the government will cut fuel taxes in March to ease household costs",
        "fuel duty is to be lowered in March to help families with their bills",
    ),
    (
        true,
        "the talks ended without an agreement",
        "negotiations broke up with no deal",
    ),
    (
        true,
        "he never discussed the matter with the prosecutor",
        "he had no conversation about the case with the prosecutor",
    ),
    (
        false,
        "the central bank will raise interest rates next month to curb inflation",
        "the central bank's headquarters will be renovated next year",
    ),
    (
        false,
        "the company plans to cut 2,000 jobs by the end of the year",
        "the company reported record profits for the quarter",
    ),
    (
        false,
        "the minister resigned after the scandal broke",
        "the minister will visit the flooded region on Monday",
    ),
    (
        false,
        "the president and his counterpart spoke by telephone on Thursday",
        "the president will travel to the summit next week",
    ),
    (
        false,
        "the government will cut fuel taxes in March to ease household costs",
        "the government will build three new hospitals in the north",
    ),
    (
        false,
        "the senator will not seek re-election next year",
        "the senator voted against the defence budget",
    ),
    (
        false,
        "the talks ended without an agreement",
        "the talks will resume in Geneva on Tuesday",
    ),
    (
        false,
        "the factory fire was caused by a faulty electrical cable",
        "the factory will reopen next month after repairs",
    ),
    (
        false,
        "the ceasefire was violated by artillery fire overnight",
        "aid convoys reached the city under the ceasefire",
    ),
    (
        false,
        "there was no phone call between the two leaders",
        "the two leaders will meet in person at the summit",
    ),
    (
        false,
        "the police arrested three suspects after the robbery",
        "the police chief said crime fell last year",
    ),
    (
        false,
        "the election results will be announced on Sunday",
        "turnout in the election was the highest in decades",
    ),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let enc = MiniLmEncoder::load_default()?;
    let mut texts = vec![];
    for (_, a, b) in PAIRS {
        texts.push(*a);
        texts.push(*b);
    }
    let v = enc.encode(&texts)?.ok_or("no vectors")?;
    let (mut same, mut diff) = (vec![], vec![]);
    for (k, (is_same, a, b)) in PAIRS.iter().enumerate() {
        let c = onrecord_embed::cosine(&v[2 * k], &v[2 * k + 1]);
        println!(
            "{} {c:.3}  {a} | {b}",
            if *is_same { "SAME" } else { "diff" }
        );
        if *is_same {
            same.push(c)
        } else {
            diff.push(c)
        }
    }
    let min_same = same.iter().cloned().fold(f32::MAX, f32::min);
    let max_diff = diff.iter().cloned().fold(f32::MIN, f32::max);
    println!("paraphrases: min cosine {min_same:.3}; different claims: max cosine {max_diff:.3}");
    Ok(())
}
