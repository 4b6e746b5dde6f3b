/** Option files: {@code --config FILE.yaml} read into the same name/value form as the command line. */
package dev.prefloop.core.config;
