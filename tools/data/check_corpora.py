#!/usr/bin/env python3
"""Check the format of the course corpora and print their counts.

    python3 tools/data/check_corpora.py            # from the repository root
    python3 tools/data/check_corpora.py --root DIR

Checks data/translation/en-zh.tsv and data/ner/{en,zh}.tsv:

* UTF-8, '\\n' line ends, no empty lines, no header;
* exactly two fields separated by one tab;
* words separated by single spaces (no leading, trailing or double spaces,
  no empty words, no other whitespace);
* translation: 2 to 8 words a side; English lowercase a-z only; Chinese with
  no punctuation and no Latin letters; no duplicate lines and no English sentence given twice;
* NER: one tag a word, tags among B-/I- PER, LOC, ORG and O, valid BIO
  (an I-X only right after B-X or I-X); no duplicate lines or sentences.

Prints the counts quoted in data/translation/README.md and data/ner/README.md
and exits with status 1 if any check failed. Standard library only.
"""

import argparse
import os
import sys
import unicodedata
from collections import Counter

TYPES = ("PER", "LOC", "ORG")
TAGS = {"O"} | {p + t for p in ("B-", "I-") for t in TYPES}

errors = []


def error(path, lineno, message):
    errors.append(f"{path}:{lineno}: {message}")


def is_punctuation(ch):
    return unicodedata.category(ch).startswith("P") or unicodedata.category(ch).startswith("S")


def read_pairs(path):
    """Yield (lineno, left words, right words, raw line) for well-formed lines."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        error(path, 0, f"cannot read: {e.strerror}")
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        error(path, 0, f"not UTF-8: {e}")
        return
    if text.startswith("\ufeff"):
        error(path, 1, "byte order mark")
    if "\r" in text:
        error(path, 0, "carriage return in file (use \\n line ends)")
    if text and not text.endswith("\n"):
        error(path, 0, "last line has no newline")
    seen = {}
    for lineno, line in enumerate(text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), 1):
        if line == "":
            error(path, lineno, "empty line")
            continue
        if line in seen:
            error(path, lineno, f"duplicate of line {seen[line]}")
        seen.setdefault(line, lineno)
        fields = line.split("\t")
        if len(fields) != 2:
            error(path, lineno, f"{len(fields)} tab-separated fields, expected 2")
            continue
        words = []
        ok = True
        for side, field in zip(("first", "second"), fields):
            if any(ch.isspace() and ch != " " for ch in field):
                error(path, lineno, f"{side} field: whitespace other than a single space")
                ok = False
            parts = field.split(" ")
            if "" in parts:
                error(path, lineno, f"{side} field: empty word (leading, trailing or double space)")
                ok = False
            words.append(parts)
        if ok:
            yield lineno, words[0], words[1], line


def check_translation(path):
    pairs = 0
    en_vocab, zh_vocab = Counter(), Counter()
    en_lens, zh_lens = [], []
    sources = {}
    for lineno, en, zh, _ in read_pairs(path):
        pairs += 1
        sentence = " ".join(en)
        if sentence in sources:
            error(path, lineno, f"English sentence already on line {sources[sentence]}")
        sources.setdefault(sentence, lineno)
        if not 2 <= len(en) <= 8:
            error(path, lineno, f"English has {len(en)} words, expected 2 to 8")
        for w in en:
            if w != w.lower():
                error(path, lineno, f"English word not lowercase: {w!r}")
            if not all("a" <= ch <= "z" for ch in w):
                error(path, lineno, f"English word with a character outside a-z: {w!r}")
        if not 2 <= len(zh) <= 8:
            error(path, lineno, f"Chinese has {len(zh)} words, expected 2 to 8")
        for w in zh:
            if any(is_punctuation(ch) for ch in w):
                error(path, lineno, f"Chinese word with punctuation: {w!r}")
            if any("a" <= ch.lower() <= "z" for ch in w):
                error(path, lineno, f"Latin letter in the Chinese side: {w!r}")
        en_vocab.update(en)
        zh_vocab.update(zh)
        en_lens.append(len(en))
        zh_lens.append(len(zh))
    print(f"{path}")
    print(f"  pairs: {pairs}")
    if pairs:
        print(f"  english: {len(en_vocab)} distinct words, {sum(en_lens)} words, "
              f"{min(en_lens)} to {max(en_lens)} words a sentence, mean {sum(en_lens) / pairs:.1f}")
        print(f"  chinese: {len(zh_vocab)} distinct words, {sum(zh_lens)} words, "
              f"{min(zh_lens)} to {max(zh_lens)} words a sentence, mean {sum(zh_lens) / pairs:.1f}")
        dist = Counter(en_lens)
        print("  english sentences by length: "
              + ", ".join(f"{n} words {dist[n]}" for n in sorted(dist)))
        once_en = sum(1 for c in en_vocab.values() if c == 1)
        once_zh = sum(1 for c in zh_vocab.values() if c == 1)
        print(f"  words seen once: english {once_en}, chinese {once_zh}")


def entities(tags):
    """Spans (type, start, end) of a valid BIO sequence."""
    spans = []
    start = None
    for i, tag in enumerate(tags + ["O"]):
        if start is not None and not tag.startswith("I-"):
            spans.append((tags[start][2:], start, i))
            start = None
        if tag.startswith("B-"):
            start = i
    return spans


def check_ner(path):
    sentences = 0
    words_total = 0
    vocab = Counter()
    per_type = Counter()
    multi = Counter()
    none = 0
    several = 0
    lens = []
    seen_sentences = {}
    tag_counts = Counter()
    for lineno, words, tags, _ in read_pairs(path):
        sentences += 1
        sentence = " ".join(words)
        if sentence in seen_sentences:
            error(path, lineno, f"sentence already on line {seen_sentences[sentence]}")
        seen_sentences.setdefault(sentence, lineno)
        if len(words) != len(tags):
            error(path, lineno, f"{len(words)} words but {len(tags)} tags")
            continue
        bad = [t for t in tags if t not in TAGS]
        if bad:
            error(path, lineno, f"unknown tags {bad}")
            continue
        valid = True
        for i, tag in enumerate(tags):
            if tag.startswith("I-"):
                prev = tags[i - 1] if i else "O"
                if prev not in ("B-" + tag[2:], "I-" + tag[2:]):
                    error(path, lineno, f"word {i + 1} {words[i]!r}: {tag} after {prev}")
                    valid = False
        if not valid:
            continue
        tag_counts.update(tags)
        spans = entities(tags)
        for kind, s, e in spans:
            per_type[kind] += 1
            if e - s > 1:
                multi[kind] += 1
        if not spans:
            none += 1
        if len(spans) > 1:
            several += 1
        words_total += len(words)
        lens.append(len(words))
        vocab.update(words)
    print(f"{path}")
    print(f"  sentences: {sentences}, words: {words_total}, distinct words: {len(vocab)}, "
          f"{min(lens) if lens else 0} to {max(lens) if lens else 0} words a sentence")
    print(f"  entities: {sum(per_type.values())} "
          + ", ".join(f"{t} {per_type[t]} ({multi[t]} of several words)" for t in TYPES))
    print("  tags: " + ", ".join(f"{t} {tag_counts[t]}" for t in
                                   [p + k for k in TYPES for p in ("B-", "I-")] + ["O"]))
    print(f"  sentences with no entity: {none}, with two or more: {several}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."),
                    help="repository root (default: two levels above this script)")
    args = ap.parse_args()
    root = os.path.normpath(args.root)
    os.chdir(root)
    check_translation(os.path.join("data", "translation", "en-zh.tsv"))
    for lang in ("en", "zh"):
        check_ner(os.path.join("data", "ner", f"{lang}.tsv"))
    if errors:
        print(f"\n{len(errors)} problem(s):", file=sys.stderr)
        for e in errors:
            print("  " + e, file=sys.stderr)
        sys.exit(1)
    print("\nall checks passed")


if __name__ == "__main__":
    main()
