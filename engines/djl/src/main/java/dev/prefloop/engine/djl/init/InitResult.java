package dev.prefloop.engine.djl.init;

/** InitResult says what an init run did: the directory, its architecture and size, or that it was up to date. */
public record InitResult(boolean upToDate, String out, String architecture, long parameters, double seconds) {}
