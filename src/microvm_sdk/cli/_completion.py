"""``microvm completion bash|zsh|fish``: shell completion scripts generated from the model.

Each script holds the commands (with their one-line descriptions where the shell shows
them), every command's options, the waiters, and the possible values of every option
that takes an enum, all read from the model when the script is printed. Completing is
then pure shell: no Python process starts on each TAB. Install lines:

- bash: ``eval "$(microvm completion bash)"`` in ``~/.bashrc``;
- zsh: ``eval "$(microvm completion zsh)"`` in ``~/.zshrc`` (after ``compinit``);
- fish: ``microvm completion fish > ~/.config/fish/completions/microvm.fish``.
"""

from __future__ import annotations

import attrs

from microvm_sdk.cli._errors import UsageError
from microvm_sdk.cli._globals import Context
from microvm_sdk.cli._helpdoc import GLOBAL_OPTIONS, first_sentence
from microvm_sdk.cli._model import ServiceModel

__all__ = ["SHELLS", "CompletionData", "completion_data", "render", "run_completion"]

SHELLS = ("bash", "zsh", "fish")
_HELP = (
    "usage: microvm completion bash|zsh|fish\n\n"
    "Print a shell completion script for microvm (commands, options, enum values).\n\n"
    '  bash:  eval "$(microvm completion bash)"   # add to ~/.bashrc\n'
    '  zsh:   eval "$(microvm completion zsh)"    # add to ~/.zshrc, after compinit\n'
    "  fish:  microvm completion fish > ~/.config/fish/completions/microvm.fish\n"
)


@attrs.frozen
class CompletionData:
    """What the scripts complete.

    Attributes:
        commands: Command name to its one-line description, in order.
        options: Command name to its options (besides the global ones).
        values: ``(command, option)`` to the option's possible values; the command is
            ``""`` for global options.
        waiters: Waiter name to its options.
        global_options: The options every command takes.
    """

    commands: dict[str, str]
    options: dict[str, tuple[str, ...]]
    values: dict[tuple[str, str], tuple[str, ...]]
    waiters: dict[str, tuple[str, ...]]
    global_options: tuple[str, ...]


def completion_data(model: ServiceModel) -> CompletionData:
    """Collect the completion data from the model."""
    from microvm_sdk import _documentation
    from microvm_sdk.cli._commands import WAIT_AFTER, WAITERS

    commands: dict[str, str] = {}
    options: dict[str, tuple[str, ...]] = {}
    values: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, command in model.commands.items():
        commands[name] = first_sentence(_documentation.OPERATIONS.get(command.operation.name, ()))
        found = []
        for argument in command.arguments:
            found.append(argument.option)
            shape = argument.shape
            if shape.kind == "list":
                shape = model.list_member(shape)
            if shape.enum:
                values[(name, argument.option)] = tuple(shape.enum)
            if argument.shape.kind == "boolean":
                found.append("--no-" + argument.name)
        if command.paginator is not None:
            found += ["--starting-token", "--page-size", "--max-items"]
        found += ["--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton"]
        values[(name, "--generate-cli-skeleton")] = ("input", "yaml-input", "output")
        if name in WAIT_AFTER:
            found += ["--wait", "--wait-timeout", "--wait-delay"]
        options[name] = tuple(found)
    waiters: dict[str, tuple[str, ...]] = {}
    for info in WAITERS.values():
        command = model.command_for_operation(info.operation)
        waiters[info.name] = (
            *(argument.option for argument in command.arguments),
            "--wait-timeout",
            "--wait-delay",
        )
    commands.update(
        {
            "wait": "Wait until a resource reaches a state.",
            "local": "Run the local emulator of the service.",
            "demo": "Build an image on an in-process emulator and watch it.",
            "completion": "Print a shell completion script.",
            "help": "Show the commands.",
        }
    )
    options["demo"] = ("--name", "--code-uri", "--timing", "--wait-timeout", "--wait-delay")
    values[("demo", "--timing")] = ("realistic", "fast")
    options["local"] = ()
    global_options = tuple(option.name for option in GLOBAL_OPTIONS)
    for option in GLOBAL_OPTIONS:
        if option.values:
            values[("", option.name)] = option.values
    return CompletionData(
        commands=commands,
        options=options,
        values=values,
        waiters=waiters,
        global_options=(*global_options, "--help"),
    )


def run_completion(context: Context, model: ServiceModel, args: list[str]) -> int:
    """Print the completion script for the shell named in ``args``."""
    if args[:1] in (["help"], ["-h"], ["--help"]) or (context.options.help and not args):
        context.stdout.write(_HELP)
        return 0
    if len(args) != 1 or args[0] not in SHELLS:
        given = f"{args[0]!r}" if args else "nothing"
        raise UsageError(
            f"argument shell: expected one of {', '.join(SHELLS)}, got {given}", show_usage=True
        )
    context.stdout.write(render(args[0], completion_data(model)))
    return 0


def render(shell: str, data: CompletionData) -> str:
    """The completion script for ``shell`` (``bash``, ``zsh`` or ``fish``)."""
    if shell == "fish":
        return _fish(data)
    script = _bash(data)
    if shell == "zsh":
        return _ZSH_HEADER + script
    return script


def _words(items: tuple[str, ...] | list[str]) -> str:
    return " ".join(items)


def _value_options(data: CompletionData) -> list[str]:
    """Global options that take a value (their value is not the command word)."""
    return [
        option.name
        for option in GLOBAL_OPTIONS
        if option.metavar and option.type_label != "boolean"
    ]


def _bash(data: CompletionData) -> str:
    option_cases = "".join(
        f"        {name}) echo '{_words(options)}' ;;\n"
        for name, options in (*data.options.items(), *data.waiters.items())
    )
    value_cases = "".join(
        f"        '{command} {option}') echo '{_words(values)}' ;;\n"
        for (command, option), values in data.values.items()
    )
    return f"""# microvm completion for bash (generated from the service model by
# 'microvm completion bash'). Load it with: eval "$(microvm completion bash)"
_microvm_options() {{
    case "$1" in
{option_cases}    esac
}}
_microvm_values() {{
    case "$1 $2" in
{value_cases}    esac
}}
_microvm() {{
    local cur prev word cmd="" sub="" i=1
    cur="${{COMP_WORDS[COMP_CWORD]}}"
    prev="${{COMP_WORDS[COMP_CWORD-1]}}"
    while [ "$i" -lt "$COMP_CWORD" ]; do
        word="${{COMP_WORDS[i]}}"
        case "$word" in
            {"|".join(_value_options(data))}) i=$((i + 1)) ;;
            -*) ;;
            *) if [ -z "$cmd" ]; then cmd="$word"; elif [ -z "$sub" ]; then sub="$word"; fi ;;
        esac
        i=$((i + 1))
    done
    local values
    values="$(_microvm_values "$cmd" "$prev")"
    [ -z "$values" ] && values="$(_microvm_values "" "$prev")"
    if [ -n "$values" ]; then
        COMPREPLY=($(compgen -W "$values" -- "$cur"))
        return 0
    fi
    if [ -z "$cmd" ]; then
        if [[ "$cur" == -* ]]; then
            COMPREPLY=($(compgen -W '{_words(data.global_options)}' -- "$cur"))
        else
            COMPREPLY=($(compgen -W '{_words(list(data.commands))}' -- "$cur"))
        fi
        return 0
    fi
    case "$cmd" in
        wait)
            if [ -z "$sub" ]; then
                COMPREPLY=($(compgen -W '{_words(list(data.waiters))} help' -- "$cur"))
                return 0
            fi
            cmd="$sub" ;;
        local)
            if [ -z "$sub" ]; then
                COMPREPLY=($(compgen -W 'serve' -- "$cur"))
                return 0
            fi ;;
        completion) COMPREPLY=($(compgen -W '{_words(SHELLS)}' -- "$cur")); return 0 ;;
    esac
    if [[ "$cur" == -* ]]; then
        local options
        options="$(_microvm_options "$cmd") {_words(data.global_options)}"
        COMPREPLY=($(compgen -W "$options" -- "$cur"))
    elif [ -z "$sub" ]; then
        COMPREPLY=($(compgen -W 'help' -- "$cur"))
    fi
    return 0
}}
complete -o default -F _microvm microvm
"""


_ZSH_HEADER = """\
# microvm completion for zsh (generated from the service model by
# 'microvm completion zsh'). Load it with: eval "$(microvm completion zsh)", after compinit.
# zsh runs the bash completion function through bashcompinit.
autoload -U +X bashcompinit && bashcompinit
"""


def _fish_quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _fish(data: CompletionData) -> str:
    lines = [
        "# microvm completion for fish (generated from the service model by",
        "# 'microvm completion fish'). Install it with:",
        "#   microvm completion fish > ~/.config/fish/completions/microvm.fish",
        "complete -c microvm -f",
    ]
    commands = " ".join(data.commands)
    for name, description in data.commands.items():
        lines.append(
            f"complete -c microvm -n 'not __fish_seen_subcommand_from {commands}' "
            f"-a {name} -d {_fish_quote(description[:80])}"
        )
    for option in GLOBAL_OPTIONS:
        values = data.values.get(("", option.name))
        arguments = f" -x -a {_fish_quote(_words(values))}" if values else ""
        if option.metavar and not values and option.type_label != "boolean":
            arguments = " -r"
        lines.append(
            f"complete -c microvm -l {option.name[2:]}{arguments} "
            f"-d {_fish_quote(option.description[:80])}"
        )
    waiters = " ".join(data.waiters)
    lines.append(
        "complete -c microvm -n '__fish_seen_subcommand_from wait; "
        f"and not __fish_seen_subcommand_from {waiters}' -a {_fish_quote(waiters + ' help')}"
    )
    lines.append("complete -c microvm -n '__fish_seen_subcommand_from local' -a serve")
    lines.append(
        "complete -c microvm -n '__fish_seen_subcommand_from completion' "
        f"-a {_fish_quote(_words(SHELLS))}"
    )
    for name, names in (*data.options.items(), *data.waiters.items()):
        for option_name in names:
            values = data.values.get((name, option_name))
            arguments = f" -x -a {_fish_quote(_words(values))}" if values else ""
            lines.append(
                f"complete -c microvm -n '__fish_seen_subcommand_from {name}' "
                f"-l {option_name[2:]}{arguments}"
            )
    return "\n".join(lines) + "\n"
