"""Training throughput with 1 and 2 processes on this machine: what `torchrun --nproc_per_node 2` buys on a CPU.

Runs `ssn_torch.train` (the camvid recipe, global batch 8) for two short epochs of `--steps` steps in three layouts —
1 process x 1 thread, 1 process x 2 threads, 2 gloo processes x 1 thread (torchrun) — interleaved `--repeats` times,
and reads the second (warm) epoch's images/s from each run's history.json. Writes a JSON with provenance.

    python3 -m ssn_torch.scaling --data ../shared/camvid --out docs/results/ssn-torch-scaling.json
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import torch

from .train import TORCHRUN_FIXES

LAYOUTS = [("1 process x 1 thread", 1, 1), ("1 process x 2 threads", 1, 2), ("2 processes x 1 thread (gloo)", 2, 1)]


def run(data, fmt, processes, threads, steps, port):
    with tempfile.TemporaryDirectory() as out:
        train = ["-m", "ssn_torch.train", "--data", data, "--format", fmt, "--recipe", "camvid", "--out", out, "--epochs", "2",
                 "--max-steps", str(steps), "--validate-every", "0", "--threads", str(threads)]
        launcher = ["-m", "torch.distributed.run", *TORCHRUN_FIXES, "--nproc_per_node", str(processes), "--master_port", str(port)] if processes > 1 else []
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))  # OpenBLAS's threads too (it reads OMP_NUM_THREADS)
        subprocess.run([sys.executable, *launcher, *train], check=True, capture_output=True, text=True, env=env,
                       cwd=os.path.join(os.path.dirname(__file__), ".."))
        with open(os.path.join(out, "history.json")) as f:
            return json.load(f)["epochs"][1]["images_per_s"]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", required=True)
    p.add_argument("--format", default="camvid")
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    load_before = os.getloadavg()
    results = {name: [] for name, _, _ in LAYOUTS}
    for r in range(args.repeats):
        for i, (name, processes, threads) in enumerate(LAYOUTS):
            results[name].append(run(args.data, args.format, processes, threads, args.steps, 29600 + 10 * r + i))
            print(f"{name}: {results[name][-1]:.3f} images/s", flush=True)
    with open("/proc/cpuinfo") as f:
        cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), platform.processor())
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            cwd=os.path.dirname(__file__)).stdout.strip()
    medians = {name: statistics.median(v) for name, v in results.items()}
    base = medians[LAYOUTS[1][0]]
    report = dict(
        what="ssn_torch.train throughput, camvid recipe (384x288 crops, global batch 8), second epoch of --steps steps, "
             "medians over interleaved repeats",
        date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), commit=commit, cpu=cpu, cores=os.cpu_count(),
        torch=torch.__version__, blas=os.path.realpath("/usr/lib/x86_64-linux-gnu/libblas.so.3"), python=platform.python_version(), steps=args.steps, repeats=args.repeats,
        load_average_before=load_before, load_average_after=os.getloadavg(),
        images_per_s=results, median_images_per_s=medians,
        speedup_vs_1_process_2_threads={name: round(m / base, 3) for name, m in medians.items()})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report["median_images_per_s"]), json.dumps(report["speedup_vs_1_process_2_threads"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
