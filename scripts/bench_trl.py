#!/usr/bin/env python3
"""The transformers/TRL side of `preflab-bench real` (SmolLM2-135M-Instruct), fp32 on 2 threads.
Each command prints one JSON line; times are taken inside the process, so interpreter start-up
and imports are not counted.

    bench_trl.py inference GGUF SAFETENSORS_DIR SCORE_IDS PROMPT_IDS NEW_TOKENS REPEATS
        load: from_pretrained of the GGUF file (dequantised to fp32) and of the fp32 safetensors
        directory; score: forward + log_softmax of SCORE_IDS (comma-separated ids) under
        inference_mode; generate: greedy generation of NEW_TOKENS tokens after PROMPT_IDS.
        Scoring and generation report the median of REPEATS runs after one warm-up.

    bench_trl.py dpo MODEL_DIR PAIRS_JSONL OUTPUT_DIR SETTINGS_JSON
        A whole TRL DPOTrainer run of the fp32 model directory (transformers marks a model loaded
        from GGUF as quantised, which its Trainer refuses to train) on the paired JSONL with the
        settings the bench gives (beta, lr, batch, steps, max_length, weight_decay, clip),
        reference log-probs precomputed, full fine-tuning, no checkpoint, no logging; reports each
        optimiser step's seconds as TRL's trainer times them (on_step_begin to on_step_end).
"""
import json
import os
import statistics
import sys
import time

import torch
import transformers

THREADS = 2


def timed(body):
    start = time.perf_counter()
    result = body()
    return time.perf_counter() - start, result


def median_seconds(body, repeats):
    body()
    return statistics.median(timed(body)[0] for _ in range(repeats))


def inference(gguf, safetensors_dir, score_ids, prompt_ids, new_tokens, repeats):
    # Imported before the clock starts: transformers imports them lazily on the first load.
    import gguf as _  # noqa: F401
    import transformers.models.llama.modeling_llama  # noqa: F401

    load_seconds, model = timed(lambda: transformers.AutoModelForCausalLM.from_pretrained(
        os.path.dirname(gguf), gguf_file=os.path.basename(gguf), dtype=torch.float32))
    safetensors_seconds, copy = timed(lambda: transformers.AutoModelForCausalLM.from_pretrained(safetensors_dir,
                                                                                               dtype=torch.float32))
    del copy
    model.eval()
    score = torch.tensor([score_ids])
    prompt = torch.tensor([prompt_ids])

    def token_logprobs():
        logits = model(input_ids=score).logits[0, :-1]
        return torch.log_softmax(logits, dim=-1).gather(1, score[0, 1:, None])

    def generate():
        return model.generate(prompt, attention_mask=torch.ones_like(prompt), do_sample=False, max_new_tokens=new_tokens)

    with torch.inference_mode():
        score_seconds = median_seconds(token_logprobs, repeats)
        generate_seconds = median_seconds(generate, repeats)
        generated = generate()[0, len(prompt_ids):].tolist()
    return {"load_gguf": load_seconds, "load_safetensors": safetensors_seconds, "score": score_seconds,
            "generate": generate_seconds, "generated": generated}


class StepTimer(transformers.TrainerCallback):
    def __init__(self):
        self.seconds = []
        self.start = 0.0

    def on_step_begin(self, args, state, control, **kwargs):
        self.start = time.perf_counter()

    def on_step_end(self, args, state, control, **kwargs):
        self.seconds.append(time.perf_counter() - self.start)


def dpo(model_dir, pairs_path, output_dir, settings):
    import datasets
    import trl

    with open(pairs_path) as lines:
        pairs = datasets.Dataset.from_list([json.loads(line) for line in lines if line.strip()])
    tokenizer = transformers.AutoTokenizer.from_pretrained(model_dir)
    config = trl.DPOConfig(
        output_dir=output_dir, beta=settings["beta"], learning_rate=settings["lr"],
        per_device_train_batch_size=settings["batch"], max_steps=settings["steps"], max_length=settings["max_length"],
        weight_decay=settings["weight_decay"], max_grad_norm=settings["clip"],
        # PrefLab's settings where TRL's defaults differ: a constant rate, fp32 (TRL defaults to bf16),
        # no gradient checkpointing (TRL defaults to it; PrefLab keeps activations).
        lr_scheduler_type="constant", warmup_steps=0, bf16=False, gradient_checkpointing=False,
        precompute_ref_log_probs=True, use_cpu=True, save_strategy="no", eval_strategy="no",
        logging_strategy="no", report_to=[], disable_tqdm=True, dataloader_num_workers=0, seed=0)
    timer = StepTimer()
    model = transformers.AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    trainer = trl.DPOTrainer(model=model, args=config, train_dataset=pairs, processing_class=tokenizer,
                             callbacks=[timer])
    trainer.train()
    return {"step_seconds": timer.seconds, "trl": trl.__version__, "transformers": transformers.__version__,
            "torch": torch.__version__}


def ids(text):
    return [int(x) for x in text.split(",")]


torch.set_num_threads(THREADS)
torch.manual_seed(0)
command, arguments = sys.argv[1], sys.argv[2:]
if command == "inference":
    gguf, safetensors_dir, score, prompt, new_tokens, repeats = arguments
    result = inference(gguf, safetensors_dir, ids(score), ids(prompt), int(new_tokens), int(repeats))
elif command == "dpo":
    model_dir, pairs_path, output_dir, settings = arguments
    result = dpo(model_dir, pairs_path, output_dir, json.loads(settings))
else:
    sys.exit(f"bench_trl.py: unknown command {command!r} (inference or dpo)")
print(json.dumps(result))
