"""Writes Tests/RNNTests/Fixtures/bleu_sacrebleu.json: sacrebleu's corpus BLEU with tokenize="none"
for small corpora, which RNN's BLEU.corpus must reproduce (the score, precisions, brevity penalty).
Run with an environment that has sacrebleu: python tools/text/make_bleu_fixture.py
"""
import json
import pathlib

import sacrebleu

CASES = {
    "perfect": (["i am happy today", "he is not here now"], ["i am happy today", "he is not here now"]),
    "partial": (["i am happy", "the cat sat on a mat today", "je suis content"],
                ["i am very happy", "the cat sat on the mat today", "je suis heureux"]),
    "longer_than_reference": (["a b c d e f g h"], ["a b c d e"]),
    "no_four_gram_match": (["a b c d x e f g h"], ["a b c y d e f z g h"]),
    "too_short_for_four_grams": (["a b", "c d e"], ["a b", "c d e"]),
    "no_match": (["x y z w"], ["a b c d"]),
    "empty_hypothesis": (["", "a b c d e"], ["a b c d", "a b c d e"]),
    "chinese": (["我 很 高兴 今天", "他 不 在 这里"], ["我 今天 很 高兴", "他 不 在 这里"]),
    "reverse_task": (["3 1 4 1 5 9 2 6", "2 7 1 8 2 8 1 8", "1 1 2 3 5 8 13 21"],
                     ["3 1 4 1 5 9 2 6", "2 7 1 8 2 8 1 2", "1 1 2 3 5 8 21 13"]),
}

out = {"made_by": f"tools/text/make_bleu_fixture.py with sacrebleu {sacrebleu.__version__}", "cases": {}}
for name, (hyps, refs) in CASES.items():
    s = sacrebleu.corpus_bleu(hyps, [refs], tokenize="none")
    out["cases"][name] = {"hypotheses": hyps, "references": refs, "bleu": s.score, "precisions": list(s.precisions),
                          "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len}
path = pathlib.Path(__file__).resolve().parents[2] / "Tests/RNNTests/Fixtures/bleu_sacrebleu.json"
path.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n")
print("wrote", path)
