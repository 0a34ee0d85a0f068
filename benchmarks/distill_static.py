"""Distil a static (model2vec) embedding model from the MiniLM that ships with the setup.

Runs in a scratch environment of its own (`make build/static-minilm` makes it): distilling needs torch
and the transformers release that model2vec's distiller pins, which the project's environment does not
share. Nothing is downloaded here: the teacher is the installed MiniLM directory.

    build/distill/bin/python benchmarks/distill_static.py --teacher DIR --out build/static-minilm
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teacher", required=True, help="the sentence-transformers MiniLM directory")
    parser.add_argument("--out", required=True, help="where to write the static model")
    parser.add_argument("--dims", type=int, default=256, help="PCA dimensions (model2vec's default 256)")
    args = parser.parse_args()

    from model2vec.distill import distill

    started = time.perf_counter()
    model = distill(model_name=args.teacher, pca_dims=args.dims)
    model.save_pretrained(args.out)
    print(f"distilled {args.teacher} into {args.out} in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
