package partnernet.neo4jserver;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.ConnectorPortRegister;
import org.neo4j.configuration.connectors.ConnectorType;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * Neo4j Community, embedded, with Bolt on 127.0.0.1, for partnernet's live tests.
 *
 * <pre>
 * java [JVM flags] -cp 'target/classes:target/lib/*' partnernet.neo4jserver.LiveServer
 *     [--port N] [--store DIR] [--auth] [--stop-on-eof]
 * </pre>
 *
 * <ul>
 *   <li>{@code --port N}: the Bolt port; 0 (the default) lets the system pick a free one.
 *   <li>{@code --store DIR}: keep the store in DIR and leave it there on exit, so a second
 *       run can open what the first left (a test restarts a server this way). Without it
 *       the store is a new temporary folder, deleted on exit.
 *   <li>{@code --auth}: require authentication, user {@code neo4j}, password from the
 *       environment variable {@code NEO4J_PASSWORD} (never from the command line, where
 *       any process could read it). Without it, authentication is off.
 *   <li>{@code --stop-on-eof}: stop when standard input closes, so a server started by a
 *       test process never outlives it.
 * </ul>
 *
 * <p>When Bolt accepts connections it prints one line, {@code ready bolt://127.0.0.1:PORT},
 * to standard output and nothing else there. SIGTERM or SIGINT shut the databases down
 * (committing nothing half-way: an open transaction is rolled back) and delete a temporary
 * store. Exit code 0 after a clean stop, 1 when the server cannot start, 2 for bad usage.
 */
public final class LiveServer {
    private static final String USAGE =
            "usage: LiveServer [--port N] [--store DIR] [--auth] [--stop-on-eof]";

    private LiveServer() {}

    public static void main(String[] args) throws Exception {
        int port = 0;
        Path store = null;
        boolean auth = false;
        boolean stopOnEof = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(value(args, ++i));
                case "--store" -> store = Path.of(value(args, ++i)).toAbsolutePath();
                case "--auth" -> auth = true;
                case "--stop-on-eof" -> stopOnEof = true;
                default -> usage("unknown option " + args[i]);
            }
        }
        String password = System.getenv("NEO4J_PASSWORD");
        if (auth && (password == null || password.length() < 8)) {
            usage("--auth needs NEO4J_PASSWORD set to at least 8 characters");
        }

        long started = System.nanoTime();
        boolean temporary = store == null;
        Path home = temporary ? Files.createTempDirectory("partnernet-neo4j-") : store;
        // The hook is in place before the store exists, so a signal at any moment of
        // start-up still shuts down what was started and deletes a temporary store.
        AtomicReference<DatabaseManagementService> running = new AtomicReference<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(() -> {
                    try {
                        DatabaseManagementService service = running.get();
                        if (service != null) {
                            service.shutdown();
                        }
                    } finally {
                        if (temporary) {
                            deleteTree(home);
                        }
                        stopped.countDown();
                    }
                }, "partnernet-neo4j-shutdown"));
        int boltPort;
        String version;
        try {
            DatabaseManagementService service = build(home, port, auth);
            running.set(service);
            GraphDatabaseService system =
                    service.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
            if (auth) {
                // Embedded transactions run with full rights, so the initial password can
                // be set here, before anyone is told the server is ready.
                system.executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                        Map.of("password", password));
            }
            version = system.executeTransactionally(
                    "CALL dbms.components() YIELD versions, edition "
                            + "RETURN versions[0] + ' ' + edition AS v",
                    Map.of(),
                    result -> (String) result.next().get("v"));
            boltPort = ((GraphDatabaseAPI) system)
                    .getDependencyResolver()
                    .resolveDependency(ConnectorPortRegister.class)
                    .getLocalAddress(ConnectorType.BOLT)
                    .getPort();
        } catch (RuntimeException e) {
            // Neo4j's own threads would keep the JVM alive: exit, which runs the hook.
            System.err.println("Neo4j did not start: " + e);
            System.exit(1);
            return;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.err.printf(
                "Neo4j %s started in %.1f s (authentication %s, store %s)%n",
                version, seconds, auth ? "on" : "off", home);
        System.out.println("ready bolt://127.0.0.1:" + boltPort);
        System.out.flush();

        if (stopOnEof) {
            Thread watcher = new Thread(() -> {
                drain(System.in);
                System.exit(0);
            }, "partnernet-neo4j-stdin");
            watcher.setDaemon(true);
            watcher.start();
        }
        stopped.await();
    }

    private static DatabaseManagementService build(Path home, int port, boolean auth) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                // A test server: small page cache, no usage reports sent anywhere, no
                // preallocated log files, and a bounded wait for transactions at shutdown.
                .setConfig(GraphDatabaseSettings.pagecache_memory, 128L * 1024 * 1024)
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.shutdown_transaction_end_timeout, Duration.ofSeconds(5))
                // Bolt waits 5 s for connections and 5 s for its threads at shutdown by
                // default; a test server that restarts mid-test need not.
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .build();
    }

    private static void drain(InputStream in) {
        byte[] buffer = new byte[256];
        try {
            while (in.read(buffer) >= 0) {
                // nothing: only the end of the stream matters
            }
        } catch (IOException e) {
            // a closed or broken stdin means the same as its end
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println(problem);
        System.err.println(USAGE);
        System.exit(2);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete the temporary store " + root, e);
        }
    }
}
