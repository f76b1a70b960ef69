"""A search from Python: tune the bundled ETTh1 sample's settings on its validation split, stop,
continue the same study with a bigger budget, then train the best trial and read its test error.

python examples/tune_search.py [WORKDIR]     (needs: pip install 'keras-nhits[tune]')
"""

import pathlib
import sys
import tempfile

from keras_nhits import NHITSTrainer, run_search


def main():
    workdir = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    space = workdir / "space.toml"
    space.write_text(
        "[lr]\nlow = 3e-4\nhigh = 3e-3\nlog = true\n\n"
        "[hidden_size]\nchoices = [32, 64]\n\n"
        "[pool_sizes]\nchoices = [[2, 2, 1], [8, 4, 1]]\n"
    )
    settings = {
        "horizon": 24,
        "input_size": 48,
        "epochs": 3,
        "windows_per_epoch": 1024,
        "space": str(space),
        "output": str(workdir / "tune"),
        "quiet": True,
    }
    first = run_search(settings, trials=3, log=lambda line: None)
    kept = [(t.number, t.value) for t in first.study.trials]
    # Later (or after a crash): the same settings continue the study, up to 5 trials in all.
    result = run_search(settings, trials=5, log=print)
    assert [(t.number, t.value) for t in result.study.trials][:3] == kept
    assert len(result.study.trials) == 5

    best = result.best_config
    model, metrics = NHITSTrainer(best, output=str(workdir / "best"), log=lambda _: None).fit()
    reached = min(r["val_loss"] for r in metrics["history"])
    print(
        f"best trial {result.study.best_trial.number}: lr {best.lr:.2g}, {best.hidden_size} "
        f"units, pools {best.pool_sizes}; retrained: val loss {reached:.4f} (the trial's "
        f"{result.study.best_value:.4f}), test MAE {metrics['test']['mae']:.4f} (naive "
        f"{metrics['baselines']['naive']['mae']:.4f})"
    )


if __name__ == "__main__":
    main()
