package dev.prefloop.cli;

import dev.prefloop.core.PrefloopVersion;
import picocli.CommandLine.IVersionProvider;

/** VersionProvider prints prefloop's version and the Java runtime it runs on. */
public final class VersionProvider implements IVersionProvider {

    @Override
    public String[] getVersion() {
        return new String[] {
            "prefloop " + PrefloopVersion.get(),
            "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
