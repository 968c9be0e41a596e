using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class WebhookSecretsEncrypted : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Kept, not dropped: an endpoint saved before encryption keeps its plain whsec_ secret
            // (WebhookSecrets.Reveal reads both) until it is rotated.
            migrationBuilder.RenameColumn(name: "Secret", table: "WebhookEndpoints", newName: "ProtectedSecret");
            // SQLite's TEXT has no length to widen (an AlterColumn would rebuild the table for nothing).
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(name: "ProtectedSecret", table: "WebhookEndpoints", newName: "Secret");
        }
    }
}
