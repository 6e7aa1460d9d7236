#!/usr/bin/env python3
"""The PyTorch side of `preflab-bench training`: the same model shape, batch and optimiser,
fp32 eager, 2 threads. Prints one JSON line: seconds per step (median after one warm-up step)
and the process's peak resident set in MB.

    bench_pytorch.py ARCH VOCAB HIDDEN LAYERS HEADS FFN BATCH LENGTH STEPS [dpo]

With `dpo`, BATCH counts pairs: each step scores 2·BATCH rows (chosen and rejected in one
forward, as TRL's concatenated forward), takes the sigmoid DPO loss against cached reference
log-probs (β 0.1), and backpropagates.

Runs under the interpreter scripts/bench chooses (PREFLAB_BENCH_PYTHON or its .venv-bench).
"""
import json
import sys
import time

import torch
import transformers


def peak_resident_megabytes():
    """This process's own peak resident set (VmHWM). getrusage's ru_maxrss would not do: Linux
    carries it across fork and exec, so it would report the bench's own peak instead."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1000
    return 0


arch, vocab, hidden, layers, heads, ffn, batch, length, steps = sys.argv[1], *map(int, sys.argv[2:10])
preference = len(sys.argv) > 10 and sys.argv[10] == "dpo"
torch.set_num_threads(2)
torch.manual_seed(0)
if arch == "gpt2":
    config = transformers.GPT2Config(vocab_size=vocab, n_embd=hidden, n_layer=layers, n_head=heads, n_inner=ffn,
                                     n_positions=max(1024, length), resid_pdrop=0, embd_pdrop=0, attn_pdrop=0)
    model = transformers.GPT2LMHeadModel(config)
else:
    config = transformers.LlamaConfig(vocab_size=vocab, hidden_size=hidden, num_hidden_layers=layers,
                                      num_attention_heads=heads, num_key_value_heads=heads, intermediate_size=ffn,
                                      max_position_embeddings=length, tie_word_embeddings=True)
    model = transformers.LlamaForCausalLM(config)
model.config._attn_implementation = "eager"
model.train()
optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
times = []
prompt = length // 4
reference = torch.randn(2 * batch)  # cached reference log-probs, chosen then rejected


def sequence_logps(ids):
    """Σ log p of the completion tokens (after the prompt) of each row."""
    logits = model(input_ids=ids).logits[:, :-1]
    token = torch.log_softmax(logits, dim=-1).gather(2, ids[:, 1:, None]).squeeze(2)
    return token[:, prompt - 1:].sum(-1)


for step in range(steps):
    rows = 2 * batch if preference else batch
    ids = torch.randint(0, vocab, (rows, length))
    start = time.perf_counter()
    optimizer.zero_grad(set_to_none=True)
    if preference:
        logps = sequence_logps(ids)
        ratios = logps - reference
        loss = -torch.nn.functional.logsigmoid(0.1 * (ratios[:batch] - ratios[batch:])).mean()
    else:
        loss = model(input_ids=ids, labels=ids).loss  # transformers shifts the labels itself
    loss.backward()
    optimizer.step()
    times.append(time.perf_counter() - start)
measured = sorted(times[1:])
print(json.dumps({"seconds_per_step": measured[len(measured) // 2],
                  "peak_rss_mb": peak_resident_megabytes()}))
