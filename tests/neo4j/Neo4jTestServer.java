import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

/**
 * A Neo4j 5 community server for the graph contract suite (tests/neo4j/start.sh): the test harness from Maven
 * Central, Bolt on 127.0.0.1:<port> without authentication, data in <dir>, until the process is stopped.
 * Usage: java -cp 'lib/*:classes' Neo4jTestServer <port> <dir>
 */
public final class Neo4jTestServer {
  public static void main(String[] args) throws Exception {
    int port = Integer.parseInt(args[0]);
    Path dir = Path.of(args[1]);
    Files.createDirectories(dir);
    Neo4j neo4j = Neo4jBuilders.newInProcessBuilder(dir)
        .withDisabledServer()
        .withConfig(BoltConnector.enabled, true)
        .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
        .withConfig(HttpConnector.enabled, false)
        .withConfig(GraphDatabaseSettings.pagecache_memory, 64L * 1024 * 1024)
        .build();
    Runtime.getRuntime().addShutdownHook(new Thread(neo4j::close));
    System.out.println("neo4j-test-server ready " + neo4j.boltURI());
    new CountDownLatch(1).await();
  }
}
