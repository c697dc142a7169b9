package dev.happyos.opensearch;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Runs one OpenSearch node inside this JVM for tests on loopback.
 *
 * <p>The node loads two plugins from the class path: Netty4 (the HTTP and transport layers) and
 * the common analysis plugin (analyzers such as {@code english}). No security plugin is loaded,
 * so the REST API is plain HTTP without authentication.
 *
 * <p>Each argument is one node setting written as {@code key=value}, for example {@code
 * http.port=9200}; {@code path.home} is required. The node runs until the JVM receives SIGTERM or
 * SIGINT and then closes from a shutdown hook. The process exits with status 1 when the node
 * fails to start and with status 2 on an invalid argument.
 */
public final class TestNode {
  private static final List<Class<? extends Plugin>> PLUGINS =
      List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

  private TestNode() {}

  /**
   * Starts the node with the settings given as {@code key=value} arguments and blocks until the
   * JVM shuts down.
   */
  public static void main(String[] args) throws InterruptedException {
    Settings settings = parseSettings(args);
    Environment environment =
        InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "test-node");
    ClasspathPluginNode node = new ClasspathPluginNode(environment, PLUGINS);
    CountDownLatch keepAlive = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> closeNode(node), "test-node-shutdown"));

    try {
      node.start();
    } catch (Exception e) {
      System.err.println("OpenSearch test node failed to start: " + e);
      e.printStackTrace();
      System.exit(1);
    }

    // OpenSearch creates its threads as daemon threads, so this thread keeps the JVM running.
    keepAlive.await();
  }

  private static Settings parseSettings(String[] args) {
    Settings.Builder builder = Settings.builder();
    for (String arg : args) {
      int separator = arg.indexOf('=');
      if (separator <= 0) {
        System.err.println(
            "Invalid argument '" + arg + "': expected a node setting as key=value, "
                + "for example http.port=9200.");
        System.exit(2);
      }
      builder.put(arg.substring(0, separator), arg.substring(separator + 1));
    }
    return builder.build();
  }

  private static void closeNode(Node node) {
    try {
      node.close();
    } catch (Exception e) {
      System.err.println("OpenSearch test node failed to close cleanly: " + e);
    }
  }

  /** A node that loads its plugins from the class path, as OpenSearch's own test nodes do. */
  private static final class ClasspathPluginNode extends Node {
    ClasspathPluginNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
      super(environment, plugins, true);
    }
  }
}
