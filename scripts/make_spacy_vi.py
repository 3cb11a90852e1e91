"""Create the offline spaCy pipeline Rasa loads: blank Vietnamese with pyvi word segmentation.

Run with the Rasa venv's Python: ``python scripts/make_spacy_vi.py OUT_DIR``.
"""

import sys
from pathlib import Path

import spacy


def main(out_dir: str) -> None:
    nlp = spacy.blank("vi", config={"nlp": {"tokenizer": {"use_pyvi": True}}})
    nlp.meta["name"] = "isee_vi"
    nlp.meta["description"] = "Blank Vietnamese pipeline, pyvi word segmentation (no vectors)"
    probe = [t.text for t in nlp("làm giấy khai sinh cho con")]
    if not any("_" in t or " " in t for t in probe):
        raise SystemExit(f"pyvi segmentation is not active: {probe}")
    Path(out_dir).parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(Path(out_dir))
    print(f"spaCy vi pipeline written to {out_dir}: {probe}")


if __name__ == "__main__":
    main(sys.argv[1])
