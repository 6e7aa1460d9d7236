"""Protocol tests of `preflab kernel` through jupyter_client, the reference client.

    python scripts/test-kernel.py PREFLAB_EXECUTABLE

Installs the kernel spec into a temporary prefix (JUPYTER_PATH points there), starts the kernel
by name as a frontend would, and checks what every request answers and publishes; then runs
jupyter_kernel_test's conformance tests against it. scripts/test runs this in .venv-test.
"""
import hashlib
import hmac
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

PREFLAB = os.path.abspath(sys.argv.pop(1))
PREFIX = tempfile.mkdtemp(prefix="preflab-kernelspec-")
subprocess.run([PREFLAB, "kernel", "install", "--prefix", PREFIX], check=True, stdout=subprocess.DEVNULL)
os.environ["JUPYTER_PATH"] = os.path.join(PREFIX, "share", "jupyter")

import zmq  # noqa: E402  (after JUPYTER_PATH is set)
import jupyter_kernel_test  # noqa: E402
from jupyter_client.connect import write_connection_file  # noqa: E402
from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import start_new_kernel  # noqa: E402

TIMEOUT = 20


def run_cell(kc, code):
    """Executes `code`; the reply's content and the (type, content) of every iopub message it caused."""
    msg_id = kc.execute(code)
    outputs = []
    while True:
        message = kc.get_iopub_msg(timeout=TIMEOUT)
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        outputs.append((message["msg_type"], message["content"]))
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            break
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    return reply["content"], outputs


def of_type(outputs, msg_type):
    return [content for kind, content in outputs if kind == msg_type]


class KernelProtocol(unittest.TestCase):
    def setUp(self):
        self.km, self.kc = start_new_kernel(kernel_name="preflab", startup_timeout=60)

    def tearDown(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)

    def test_the_spec_is_found_by_name_with_signal_interrupts(self):
        spec = KernelSpecManager().get_kernel_spec("preflab")
        self.assertEqual(spec.display_name, "PrefLab")
        self.assertEqual(spec.language, "preflab")
        self.assertEqual(spec.interrupt_mode, "signal")
        self.assertEqual(spec.argv[0], os.path.realpath(PREFLAB))

    def test_kernel_info_describes_the_language(self):
        self.kc.kernel_info()
        content = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertEqual(content["status"], "ok")
        self.assertEqual(content["protocol_version"], "5.3")
        self.assertEqual(content["language_info"]["name"], "preflab")
        self.assertEqual(content["language_info"]["file_extension"], ".pref")

    def test_a_value_is_an_execute_result_between_busy_and_idle(self):
        reply, outputs = run_cell(self.kc, "1 + 2")
        self.assertEqual(reply["status"], "ok")
        self.assertEqual([kind for kind, _ in outputs], ["status", "execute_input", "execute_result", "status"])
        self.assertEqual(outputs[0][1]["execution_state"], "busy")
        self.assertEqual(outputs[1][1], {"code": "1 + 2", "execution_count": reply["execution_count"]})
        result = outputs[2][1]
        self.assertEqual(result["data"], {"text/plain": "3"})
        self.assertEqual(result["execution_count"], reply["execution_count"])
        second, _ = run_cell(self.kc, "2")
        self.assertEqual(second["execution_count"], reply["execution_count"] + 1)

    def test_print_is_a_stream_before_the_value_and_a_trailing_semicolon_hides_it(self):
        _, outputs = run_cell(self.kc, 'print("hello")\n42')
        self.assertEqual([kind for kind, _ in outputs][2:4], ["stream", "execute_result"])
        self.assertEqual(of_type(outputs, "stream"), [{"name": "stdout", "text": "hello\n"}])
        _, outputs = run_cell(self.kc, "42;")
        self.assertEqual(of_type(outputs, "execute_result"), [])

    def test_a_plot_is_svg_with_its_text_rendering(self):
        _, outputs = run_cell(self.kc, "print(plot([1, 2, 3]))\nplot([3, 2, 1])")
        for bundle in [of_type(outputs, "display_data")[0]["data"], of_type(outputs, "execute_result")[0]["data"]]:
            self.assertTrue(bundle["image/svg+xml"].startswith("<svg"))
            self.assertIn("┤", bundle["text/plain"])

    def test_results_are_a_markdown_table_beside_their_text(self):
        _, outputs = run_cell(self.kc, '{loss: ["DPO", "DPOP"], change: [-4.02, 0.37]}')
        data = of_type(outputs, "execute_result")[0]["data"]
        self.assertEqual(data["text/markdown"], "| loss | change |\n| --- | --- |\n| DPO | -4.02 |\n| DPOP | 0.37 |")
        self.assertIn("DPOP", data["text/plain"])
        _, outputs = run_cell(self.kc, "{a: [1, 2], b: {c: 3}}")
        self.assertNotIn("text/markdown", of_type(outputs, "execute_result")[0]["data"])

    def test_a_live_training_plot_is_one_display_updated_in_place_instead_of_progress_lines(self):
        _, outputs = run_cell(
            self.kc,
            "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\n"
            "let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])\n"
            'train(m, ids, steps: 6, batch: 2, seq_len: 8, log_every: 1, plot_every: 2, dir: temp_dir() + "/live").status')
        [shown] = of_type(outputs, "display_data")
        updates = of_type(outputs, "update_display_data")
        display_id = shown["transient"]["display_id"]
        # Drawn at steps 2, 4 and 6: shown once, then updated twice under the same id.
        self.assertEqual([update["transient"]["display_id"] for update in updates], [display_id, display_id])
        for bundle in [shown["data"], updates[-1]["data"]]:
            self.assertTrue(bundle["image/svg+xml"].startswith("<svg"))
            self.assertIn("loss", bundle["text/plain"])
        self.assertNotEqual(shown["data"], updates[-1]["data"])
        log = "".join(content["text"] for content in of_type(outputs, "stream") if content["name"] == "stderr")
        self.assertEqual(re.findall(r"^step \d+/6", log, re.MULTILINE), ["step 6/6"], log)
        self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], '"finished"')

    def test_an_error_carries_the_caret_report_and_the_kernel_goes_on(self):
        reply, outputs = run_cell(self.kc, "let a = 1\na + nope")
        self.assertEqual(reply["status"], "error")
        [error] = of_type(outputs, "error")
        self.assertEqual(error["ename"], "Error")
        self.assertIn("nope", error["evalue"])
        self.assertTrue(any("^" in line for line in error["traceback"]), error["traceback"])
        self.assertEqual(reply["traceback"], error["traceback"])
        reply, outputs = run_cell(self.kc, "a")
        self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], "1")

    def test_completion_offsets_count_code_points(self):
        run_cell(self.kc, "let long_variable = 1")
        code = 'let 𨭎 = "𨭎"\nlong_va'
        self.kc.complete(code, len(code))
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertEqual(reply["status"], "ok")
        self.assertEqual(reply["matches"], ["long_variable"])
        self.assertEqual((reply["cursor_start"], reply["cursor_end"]), (len(code) - 7, len(code)))
        self.kc.complete("softm", 5)
        self.assertIn("softmax(", self.kc.get_shell_msg(timeout=TIMEOUT)["content"]["matches"])

    def test_fields_complete_at_any_depth_as_at_the_prompt(self):
        run_cell(self.kc, 'let config = {optimiser: {name: "adamw", betas: [0.9, 0.999]}}')
        for code, matches in [("config.optimiser.n", ["config.optimiser.name"]),
                              ("[config.optimiser.betas.", ["config.optimiser.betas.length"])]:
            self.kc.complete(code, len(code))
            reply = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
            self.assertEqual(reply["matches"], matches, code)
            self.assertEqual(reply["cursor_start"], code.index("config"))

    def test_inspect_shows_help(self):
        self.kc.inspect("softmax(x", 3, 0)
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertTrue(reply["found"])
        self.assertIn("softmax(", reply["data"]["text/plain"])
        self.kc.inspect("1 + 2", 1, 0)
        self.assertFalse(self.kc.get_shell_msg(timeout=TIMEOUT)["content"]["found"])

    def test_is_complete_follows_the_parser(self):
        for code, status in [("1 + 2", "complete"), ("fn f(x) {", "incomplete"), ("1 +", "incomplete"), ("1 )", "invalid")]:
            self.kc.is_complete(code)
            self.assertEqual(self.kc.get_shell_msg(timeout=TIMEOUT)["content"]["status"], status, code)

    def test_history_and_comm_info_answer(self):
        self.kc.history(hist_access_type="tail", n=10)
        self.assertEqual(self.kc.get_shell_msg(timeout=TIMEOUT)["content"], {"status": "ok", "history": []})
        self.kc.comm_info()
        self.assertEqual(self.kc.get_shell_msg(timeout=TIMEOUT)["content"], {"status": "ok", "comms": {}})

    def test_an_interrupt_stops_the_cell_and_keeps_the_variables(self):
        msg_id = self.kc.execute("let i = 0\nwhile true { i = i + 1 }")
        time.sleep(1.0)
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        _, outputs = run_cell(self.kc, "i > 0")
        self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], "true")

    def test_an_interrupt_request_message_stops_the_cell_as_the_signal_does(self):
        msg_id = self.kc.execute("let j = 0\nwhile true { j = j + 1 }")
        time.sleep(1.0)
        self.kc.control_channel.send(self.kc.session.msg("interrupt_request", {}))
        self.assertEqual(self.kc.get_control_msg(timeout=TIMEOUT)["content"], {"status": "ok"})
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        reply, outputs = run_cell(self.kc, "j > 0")
        self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], "true")

    def test_a_cell_ending_in_a_run_the_interrupt_stopped_is_interrupted_and_keeps_the_run(self):
        msg_id = self.kc.execute(
            "let m = new_model(vocab: 16, hidden: 16, layers: 1, heads: 2, max_len: 16)\n"
            "let ids = tensor([[1, 2, 3, 4, 5, 6, 7, 8, 9], [2, 3, 4, 5, 6, 7, 8, 9, 10]])\n"
            'let run = train(m, ids, steps: 100000, batch: 2, seq_len: 8, dir: temp_dir() + "/run")')
        outputs = []
        while not any("step" in content.get("text", "") for _, content in outputs):
            message = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if message["parent_header"].get("msg_id") == msg_id:
                outputs.append((message["msg_type"], message["content"]))
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupted")
        reply, outputs = run_cell(self.kc, "run.status")
        self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], '"interrupted"')
        # The interrupt was that cell's: the next run trains to its end.
        reply, outputs = run_cell(self.kc, 'train(m, ids, steps: 2, batch: 2, seq_len: 8, dir: temp_dir() + "/again").status')
        self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], '"finished"')

    def test_an_interrupt_while_idle_does_not_stop_the_next_cell(self):
        self.km.interrupt_kernel()
        time.sleep(0.3)
        reply, _ = run_cell(self.kc, "let n = 0\nfor k in range(1000) { n = n + k }\nn")
        self.assertEqual(reply["status"], "ok")
        self.assertTrue(self.km.is_alive())

    def test_restart_gives_a_fresh_session(self):
        run_cell(self.kc, "let kept = 5")
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=60)
        reply, outputs = run_cell(self.kc, "kept")
        self.assertEqual(reply["status"], "error")
        self.assertEqual(reply["execution_count"], 1)

    def test_a_shutdown_request_ends_the_kernel_at_once(self):
        started = time.monotonic()
        self.km.shutdown_kernel(now=False)
        # Without a reply and an exit the manager would wait 2.5 s and then send SIGTERM.
        self.assertLess(time.monotonic() - started, 2.0)
        self.assertFalse(self.km.is_alive())

    def test_bad_signatures_and_malformed_json_are_dropped_and_the_kernel_goes_on(self):
        info = self.km.get_connection_info()
        context = zmq.Context.instance()
        socket = context.socket(zmq.DEALER)
        socket.connect(f"tcp://{info['ip']}:{info['shell_port']}")

        def frames(header_bytes, key):
            rest = [header_bytes, b"{}", b"{}", b'{"code": "1"}']
            signature = hmac.new(key, b"".join(rest), hashlib.sha256).hexdigest().encode()
            return [b"<IDS|MSG>", signature] + rest

        header = json.dumps({"msg_id": str(uuid.uuid4()), "msg_type": "execute_request", "session": "s",
                             "username": "u", "date": "2026-01-01T00:00:00Z", "version": "5.3"}).encode()
        socket.send_multipart(frames(header, b"not the key"))
        socket.send_multipart(frames(b'{"msg_id": ', info["key"]))
        socket.send_multipart(frames(b'{"no_msg_type": 1}', info["key"]))
        socket.send_multipart([b"no delimiter"])
        self.assertEqual(socket.poll(500), 0, "a dropped message got a reply")
        socket.close(0)
        reply, _ = run_cell(self.kc, "6 * 7")
        self.assertEqual(reply["status"], "ok")


class KernelProcess(unittest.TestCase):
    def test_two_kernels_run_side_by_side(self):
        first, second = start_new_kernel(kernel_name="preflab"), start_new_kernel(kernel_name="preflab")
        try:
            run_cell(first[1], "let who = 1")
            run_cell(second[1], "let who = 2")
            for (_, kc), expected in [(first, "1"), (second, "2")]:
                _, outputs = run_cell(kc, "who")
                self.assertEqual(of_type(outputs, "execute_result")[0]["data"]["text/plain"], expected)
        finally:
            for km, kc in [first, second]:
                kc.stop_channels()
                km.shutdown_kernel(now=True)

    def test_an_orphaned_kernel_exits(self):
        folder = tempfile.mkdtemp(prefix="preflab-orphan-")
        connection, _ = write_connection_file(os.path.join(folder, "kernel.json"))
        # A launcher that starts the kernel as jupyter_client does (naming itself in
        # JPY_PARENT_PID), tells its pid and dies without shutting it down.
        launcher = subprocess.run(
            [sys.executable, "-c",
             "import os, subprocess, sys\n"
             "os.environ['JPY_PARENT_PID'] = str(os.getpid())\n"
             "print(subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).pid)",
             PREFLAB, "kernel", "--connection-file", connection],
            check=True, capture_output=True, text=True, timeout=TIMEOUT)
        pid = int(launcher.stdout)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
        os.kill(pid, signal.SIGKILL)
        self.fail("the kernel kept running after its launcher died")


class ExampleNotebook(unittest.TestCase):
    def test_the_failure_mode_notebook_runs_headless_with_its_table_and_plot(self):
        import nbclient
        import nbformat
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        notebook = nbformat.read(os.path.join(root, "examples", "failure-mode.ipynb"), as_version=4)
        for cell in notebook.cells:
            cell.pop("outputs", None)
        nbclient.NotebookClient(notebook, kernel_name="preflab", timeout=900).execute()
        outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
        self.assertFalse([output for output in outputs if output.output_type == "error"])
        bundles = [output.get("data", {}) for output in outputs]
        self.assertTrue(any(bundle.get("image/svg+xml", "").startswith("<svg") for bundle in bundles))
        [table] = [bundle["text/plain"] for bundle in bundles if "chosen_logp_change" in bundle.get("text/plain", "")]
        dpo, dpop = json.loads(table.split("chosen_logp_change: ")[1].rstrip("}"))
        self.assertLess(dpo, 0, "DPO should lower log π(chosen) on the low-distance pairs")
        self.assertGreater(dpop, dpo, "DPOP should keep log π(chosen) above DPO's")


class Conformance(jupyter_kernel_test.KernelTests):
    """jupyter_kernel_test's checks of message shapes and order; a test without a sample is skipped."""
    kernel_name = "preflab"
    language_name = "preflab"
    file_extension = ".pref"
    code_hello_world = 'print("hello, world")'
    code_execute_result = [{"code": "6 * 7", "result": "42"}, {"code": '"a" + "b"', "result": '"ab"'}]
    code_display_data = [{"code": "print(plot([1, 2, 3]))", "mime": "image/svg+xml"}]
    code_generate_error = "undefined_name"
    completion_samples = [{"text": "softm", "matches": {"softmax("}}]
    complete_code_samples = ["1 + 2", "let x = [1, 2]"]
    incomplete_code_samples = ["fn f(x) {", "[1, 2"]
    invalid_code_samples = ["1 )"]
    code_inspect_sample = "softmax"


if __name__ == "__main__":
    unittest.main(verbosity=2)
