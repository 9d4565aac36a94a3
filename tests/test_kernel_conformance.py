"""jupyter_kernel_test's conformance suite against the installed `rnn` kernelspec, with every
sample attribute filled so no test is skipped."""
import unittest

import jupyter_kernel_test as jkt


class RNNKernelTests(jkt.KernelTests):
    kernel_name = "rnn"
    language_name = "rnn"
    file_extension = ".rnn"

    code_hello_world = 'print "hello, world"'
    code_stderr = 'print "oops" stream=stderr'

    completion_samples = [
        {"text": "mod", "matches": {"models"}},
        {"text": "cell c = rnn(input=2, hid", "matches": {"hidden="}},
    ]
    complete_code_samples = ["let x = 1", "cell c = rnn(input=2, hidden=3)", "models", "let y = [1,\n 2]"]
    incomplete_code_samples = ["let x = [1,", "cell c = rnn(input=2,", "let s = 1 + \\"]
    invalid_code_samples = ['let s = "abc', "let x = 1)", "let x = [1, 2)"]

    code_page_something = "help cell"
    code_generate_error = "let y = undefined_name"
    code_execute_result = [
        {"code": "1 + 1", "result": "2"},
        {"code": "[1, 2.5]", "result": "[1, 2.5]"},
        {"code": '"abc"', "result": '"abc"'},
        {"code": "4.0", "result": "4"},
    ]
    code_display_data = [
        {"code": "show [[1, 2], [3, 4]]", "mime": "text/plain"},
        {"code": "show [[1, 2], [3, 4]]", "mime": "text/html"},
    ]

    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "1 + ?"

    code_inspect_sample = "cell"
    code_clear_output = "clear"


class RNNIopubWelcome(jkt.IopubWelcomeTests):
    kernel_name = "rnn"
    support_iopub_welcome = True


if __name__ == "__main__":
    unittest.main()
