package io.tarn.cli;

import io.tarn.api.FsException;
import io.tarn.api.ObjectStoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/tarn}. */
@Command(name = "tarn", mixinStandardHelpOptions = true, version = "tarn 0.1.0",
        description = "Tarn: a POSIX filesystem whose bytes live in object storage.",
        subcommands = {MetaCommand.class, ProxyCommand.class, VolumeCommand.class, MountCommand.class, UmountCommand.class, UpgradeCommand.class, StoreCommand.class, BenchCommand.class, GcCommand.class, FsckCommand.class, KeyCommand.class, TokenCommand.class, CertCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code; errors are printed as one line on stderr. */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("tarn: " + oneLine(e));
            if (System.getenv("TARN_DEBUG") != null) e.printStackTrace(cmd.getErr());
            return e instanceof FsException fe ? exitCode(fe) : 1;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            e.getCommandLine().getErr().println("tarn: " + e.getMessage() + " (see --help)");
            return 2;
        });
        return cl.execute(args);
    }

    static String oneLine(Throwable e) {
        String m = switch (e) {
            case FsException fe -> fe.getMessage();
            case ObjectStoreException se -> "object store: " + se.getMessage();
            default -> e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        };
        return m.replace('\n', ' ');
    }

    private static int exitCode(FsException e) {
        return Math.min(125, Math.max(1, e.errno().code));
    }
}
