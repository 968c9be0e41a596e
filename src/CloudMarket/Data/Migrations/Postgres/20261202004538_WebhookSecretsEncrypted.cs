using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
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
            migrationBuilder.AlterColumn<string>(name: "ProtectedSecret", table: "WebhookEndpoints", type: "character varying(1000)", maxLength: 1000,
                nullable: false, oldClrType: typeof(string), oldType: "character varying(100)", oldMaxLength: 100);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(name: "ProtectedSecret", table: "WebhookEndpoints", type: "character varying(100)", maxLength: 100,
                nullable: false, oldClrType: typeof(string), oldType: "character varying(1000)", oldMaxLength: 1000);
            migrationBuilder.RenameColumn(name: "ProtectedSecret", table: "WebhookEndpoints", newName: "Secret");
        }
    }
}
