#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <stdio.h>
/* Not <readline/readline.h>: with libreadline-dev installed that is GNU readline, not libedit. */
#include <editline/readline.h>
#include <histedit.h>
/* Swift cannot assign libedit's global variables under strict concurrency; these setters can. */
static inline void ce_set_attempted_completion(rl_completion_func_t *fn) { rl_attempted_completion_function = fn; }
static inline void ce_set_completion_append_character(int c) { rl_completion_append_character = c; }
static inline void ce_set_basic_word_break_characters(const char *s) { rl_basic_word_break_characters = s; }
static inline void ce_set_readline_name(const char *s) { rl_readline_name = s; }
#endif
