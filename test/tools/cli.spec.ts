/** The one flag parser every command uses (tools/cli.ts): help, every kind of bad input, repeatable flags, exit codes. */
import { strict as assert } from "node:assert";
import { defineCommand, exitCodeOf, integer, InvalidValue, listOf, matching, oneOf, UsageError, type Values } from "../../tools/cli";

const command = defineCommand({
    name: "demo",
    synopsis: ["--stack <name> [--runs N] [--json]", "--url <url>"],
    summary: "A command for the spec.",
    flags: {
        stack: { type: "string", short: "s", value: "<name>", description: "the stack", parse: matching(/^[a-z]+$/, "lower-case letters") },
        runs: { type: "string", value: "N", description: "how many runs", default: "3", parse: integer(1, 10) },
        mode: { type: "string", value: "create|update", description: "the mode", default: "create", parse: oneOf(["create", "update"]) },
        only: { type: "string", value: "NAMES", description: "which ones", defaultText: "all", parse: listOf(["a", "b", "c"]) },
        pack: { type: "string", value: "DIR", description: "a pack", multiple: true, defaultText: "policies/" },
        url: { type: "string", value: "<url>", description: "a URL" },
        json: { type: "boolean", description: "print JSON" },
    },
    epilog: "Exit code: 0 fine, 2 bad usage.",
});

function values(argv: string[]): Values<typeof command.flags> {
    const parsed = command.parse(argv);
    assert.ok(!parsed.help, "not help");
    return parsed.values;
}

/** The one-line UsageError that `argv` gives. */
function refusal(argv: string[]): string {
    try {
        command.parse(argv);
    } catch (error) {
        assert.ok(error instanceof UsageError, `${argv.join(" ")}: ${String(error)}`);
        assert.doesNotMatch(error.message, /\n/, "one line");
        return error.message;
    }
    assert.fail(`${JSON.stringify(argv)} was accepted`);
}

describe("tools/cli.ts: one flag parser for every command", () => {
    describe("--help", () => {
        it("lists the usage, the summary, every flag with its value, its default and its description, and the epilog", () => {
            const lines = command.help.split("\n");
            assert.equal(lines[0], "usage: npm run demo -- --stack <name> [--runs N] [--json]");
            assert.equal(lines[1], "       npm run demo -- --url <url>");
            assert.ok(lines.includes("A command for the spec."));
            const expected: Array<[string, RegExp]> = [
                ["--stack", /^ {2}-s, --stack <name> +the stack \(default: none\)$/],
                ["--runs", /^ {2}--runs N +how many runs \(default: 3\)$/],
                ["--mode", /^ {2}--mode create\|update +the mode \(default: create\)$/],
                ["--only", /^ {2}--only NAMES +which ones \(default: all\)$/],
                ["--pack", /^ {2}--pack DIR \.\.\. +a pack \(repeatable, default: policies\/\)$/],
                ["--url", /^ {2}--url <url> +a URL \(default: none\)$/],
                ["--json", /^ {2}--json +print JSON \(default: off\)$/],
                ["--help", /^ {2}-h, --help +print this help and exit 0$/],
            ];
            for (const [flag, line] of expected)
                assert.ok(
                    lines.some((l) => line.test(l)),
                    `${flag}: ${line} in\n${command.help}`,
                );
            assert.equal(lines.at(-1), "Exit code: 0 fine, 2 bad usage.");
        });

        it("wraps long descriptions under their flag and long usage lines under the first flag, within 100 columns", () => {
            const long = defineCommand({
                name: "long",
                synopsis: Array.from({ length: 12 }, (_, i) => `[--flag-${i} <value-${i}>]`).join(" "),
                flags: { "a-rather-long-flag-name": { type: "string", value: "<some value>", description: "word ".repeat(60).trim() } },
            });
            const lines = long.help.split("\n");
            for (const line of lines) assert.ok(line.length <= 100, `${line.length}: ${line}`);
            assert.match(lines[1]!, /^ {23}\[--flag-/, "a continuation starts under the first flag, never inside a [--flag VALUE] group");
            assert.ok(lines.some((l) => /^ {2}--a-rather-long-flag-name <some value>$/.test(l)));
            assert.ok(lines.some((l) => /^ {32}word word .*\(default: none\)$/.test(l)));
        });

        it("is answered for --help and -h, anywhere among valid flags, before values are validated", () => {
            for (const argv of [["--help"], ["-h"], ["--stack", "dev", "--help"], ["--help", "--runs", "0"], ["--runs=99", "-h"]])
                assert.deepEqual(command.parse(argv), { help: true }, argv.join(" "));
        });

        it("is not answered when the command line itself is malformed: the problem is", () => {
            assert.match(refusal(["--help", "--definitely-not-a-flag"]), /^Unknown flag --definitely-not-a-flag/);
            assert.match(refusal(["--help=yes"]), /^--help takes no value/);
            assert.match(refusal(["--help", "--help"]), /^--help is given more than once/);
            assert.match(refusal(["--stack", "--help"]), /^--stack needs a value/);
        });

        it("a command with no flags of its own still has --help, and a usage line with nothing after its name", () => {
            const bare = defineCommand({ name: "bare", synopsis: "", flags: {} });
            assert.equal(bare.help.split("\n")[0], "usage: npm run bare");
            assert.deepEqual(bare.parse([]), { help: false, values: {} });
            assert.throws(() => bare.parse(["x"]), /^UsageError: Unexpected argument "x": bare takes flags only/);
        });
    });

    describe("values", () => {
        it("applies defaults through the validators: booleans off, repeatable flags empty, others their default or undefined", () => {
            const v = values([]);
            assert.deepEqual(v, { stack: undefined, runs: 3, mode: "create", only: undefined, pack: [], url: undefined, json: false });
            // Types follow the declaration: a number, a union of the choices, an array.
            const runs: number = v.runs;
            const mode: "create" | "update" = v.mode;
            const packs: string[] = v.pack;
            const stack: string | undefined = v.stack;
            assert.deepEqual([runs, mode, packs, stack], [3, "create", [], undefined]);
        });

        it("reads --flag value, --flag=value, -s value and -svalue alike", () => {
            for (const argv of [
                ["--stack", "dev", "--runs", "7"],
                ["--stack=dev", "--runs=7"],
                ["-s", "dev", "--runs", "7"],
                ["-sdev", "--runs=7"],
            ]) {
                const v = values(argv);
                assert.deepEqual([v.stack, v.runs], ["dev", 7], argv.join(" "));
            }
            assert.equal(values(["--url=https://x/?a=b=c"]).url, "https://x/?a=b=c", "only the first = splits");
            assert.equal(values(["--url=-dash"]).url, "-dash", "an inline value may start with a dash");
            assert.equal(values(["--json"]).json, true);
        });

        it("keeps a repeatable flag's values in the order given, in both forms", () => {
            assert.deepEqual(values(["--pack", "a", "--json", "--pack=b", "--pack", "a"]).pack, ["a", "b", "a"]);
        });

        it("validates with matching, integer, oneOf and listOf", () => {
            assert.deepEqual(values(["--only", "c,a"]).only, ["c", "a"]);
            assert.equal(values(["--mode", "update"]).mode, "update");
            assert.equal(values(["--runs", "10"]).runs, 10);
            assert.equal(values(["--runs", "1"]).runs, 1);
        });
    });

    describe("bad input: one line naming the flag and what is allowed", () => {
        const allowed = "allowed: --stack, --runs, --mode, --only, --pack, --url, --json, --help.";
        const cases: Array<[string, string[], RegExp]> = [
            [
                "an unknown flag",
                ["--definitely-not-a-flag"],
                new RegExp(`^Unknown flag --definitely-not-a-flag; ${allowed} Run \`npm run demo -- --help\` for usage\\.$`),
            ],
            ["an unknown flag with a value", ["--stacks=dev"], /^Unknown flag --stacks; allowed: --stack,/],
            ["an unknown short flag", ["-x"], /^Unknown flag -x; allowed: /],
            ["a negated boolean", ["--no-json"], /^Unknown flag --no-json; /],
            ["a single-dash long flag", ["-json"], /^Unknown flag -j \(in -json\); allowed: /],
            ["a positional argument", ["dev"], /^Unexpected argument "dev": demo takes flags only\. Run `npm run demo -- --help` for usage\.$/],
            ["junk after valid flags", ["--stack", "dev", "extra"], /^Unexpected argument "extra"/],
            ["an argument after --", ["--", "--stack"], /^Unexpected argument "--stack"/],
            ["a value for a boolean", ["--json=yes"], /^--json takes no value\.$/],
            ["an empty value for a boolean", ["--json="], /^--json takes no value\.$/],
            ["a boolean given twice", ["--json", "--json"], /^--json is given more than once\.$/],
            ["a missing value at the end", ["--stack"], /^--stack needs a value \(<name>\)\. Run `npm run demo -- --help` for usage\.$/],
            ["a missing short value", ["-s"], /^-s \(--stack\) needs a value \(<name>\)\./],
            [
                "a flag where the value should be",
                ["--stack", "--json"],
                /^--stack needs a value \(<name>\), not the flag --json \(write --stack=--json for a value that starts with "-"\)\./,
            ],
            ["an empty inline value", ["--stack="], /^--stack needs a value \(<name>\)\./],
            ["a one-value flag given twice", ["--stack", "a", "--stack=b"], /^--stack is given more than once; it takes one value\.$/],
            ["a value the pattern refuses", ["--stack", "Dev1"], /^--stack "Dev1" is invalid: expected lower-case letters\.$/],
            ["a word not among the choices", ["--mode", "destroy"], /^--mode "destroy" is not one of create, update$/],
            ["a choice in the wrong case", ["--mode", "Create"], /^--mode "Create" is not one of create, update$/],
            ["an unknown list item", ["--only", "a,d,e"], /^--only "a,d,e" is invalid: "d", "e" not allowed; expected a comma-separated list of a, b, c\.$/],
            ["an empty list item", ["--only", "a,,b"], /^--only "a,,b" is invalid: "" not allowed/],
            ["a list item twice", ["--only", "a,b,a"], /^--only "a,b,a" is invalid: a given twice\.$/],
        ];
        for (const [what, argv, message] of cases) it(`refuses ${what}: ${argv.join(" ")}`, () => assert.match(refusal(argv), message));

        it("refuses numbers out of range or not written as plain digits", () => {
            for (const text of ["0", "11", "-1", "1.5", "01", "1e1", "0x5", " 5", "5 ", "five", "3abc", "99999999999999999999"])
                assert.equal(refusal([`--runs=${text}`]), `--runs ${JSON.stringify(text)} is invalid: expected an integer from 1 to 10.`, text);
        });

        it("passes a validator's own error other than InvalidValue through: a bug is not bad usage", () => {
            const buggy = defineCommand({
                name: "buggy",
                flags: {
                    x: {
                        type: "string",
                        value: "X",
                        description: "x",
                        parse: () => {
                            throw new TypeError("bug");
                        },
                    },
                },
            });
            assert.throws(
                () => buggy.parse(["--x", "1"]),
                (e: Error) => e instanceof TypeError && !(e instanceof UsageError),
            );
            assert.throws(
                () =>
                    defineCommand({
                        name: "c",
                        flags: {
                            x: {
                                type: "string",
                                value: "X",
                                description: "",
                                parse: () => {
                                    throw new InvalidValue("is odd");
                                },
                            },
                        },
                    }).parse(["--x=1"]),
                (e: Error) => e instanceof UsageError && e.message === '--x "1" is odd',
            );
        });

        it("refuses to declare --help or two flags with one short alias", () => {
            assert.throws(() => defineCommand({ name: "c", flags: { help: { type: "boolean", description: "" } } }), /--help is every command's own/);
            assert.throws(
                () =>
                    defineCommand({
                        name: "c",
                        flags: { a: { type: "boolean", short: "x", description: "" }, b: { type: "boolean", short: "x", description: "" } },
                    }),
                /share a short alias/,
            );
            assert.throws(() => defineCommand({ name: "c", flags: { a: { type: "boolean", short: "h", description: "" } } }), /share a short alias/);
        });
    });

    describe("exitCodeOf", () => {
        async function outcome(run: () => Promise<number>, ...rest: [((e: unknown) => boolean)?, ((e: unknown) => boolean)?]) {
            const err: string[] = [];
            const code = await exitCodeOf("demo", run, (l) => err.push(l), ...rest);
            return { code, err };
        }

        it("passes the command's own exit code through", async () => {
            assert.deepEqual(await outcome(async () => 1), { code: 1, err: [] });
        });

        it("a UsageError, or an error the command says means nothing was done: its message alone, exit 2", async () => {
            assert.deepEqual(
                await outcome(async () => {
                    values(["--bogus"]);
                    return 0;
                }),
                { code: 2, err: [refusal(["--bogus"])] },
            );
            class Unreadable extends Error {}
            assert.deepEqual(
                await outcome(
                    async () => {
                        throw new Unreadable("no stack");
                    },
                    undefined,
                    (e) => e instanceof Unreadable,
                ),
                { code: 2, err: ["no stack"] },
            );
        });

        it("a failure the command explains: its message alone, exit 1; anything else: the command's name and the stack, exit 1", async () => {
            const explained = await outcome(
                async () => {
                    throw new Error("upload failed");
                },
                () => true,
            );
            assert.deepEqual(explained, { code: 1, err: ["upload failed"] });
            const unforeseen = await outcome(async () => {
                throw new Error("surprise");
            });
            assert.equal(unforeseen.code, 1);
            assert.match(unforeseen.err[0]!, /^demo: Error: surprise\n {4}at /);
            assert.deepEqual(
                await outcome(async () => {
                    throw "a string";
                }),
                { code: 1, err: ["demo: a string"] },
            );
        });
    });
});
