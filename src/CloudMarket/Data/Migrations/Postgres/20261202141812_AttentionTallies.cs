using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AttentionTallies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AttentionTallies",
                columns: table => new
                {
                    CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Count = table.Column<int>(type: "integer", nullable: false),
                    Version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttentionTallies", x => new { x.CustomerId, x.Status });
                });

            migrationBuilder.CreateTable(
                name: "AttentionTallyChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                    Status = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    Delta = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AttentionTallyChanges", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AttentionTallyChanges_CustomerId_Status",
                table: "AttentionTallyChanges",
                columns: new[] { "CustomerId", "Status" });

            // An upgraded database starts exact: every customer's orders in the queue's statuses of this version
            // (AttentionQueries.OrderStatuses), counted once; from here on saves record the changes.
            migrationBuilder.Sql("""
                INSERT INTO "AttentionTallies" ("CustomerId", "Status", "Count", "Version")
                SELECT "CustomerId", "Status", COUNT(*), 0 FROM "Orders"
                WHERE "Status" IN ('InProgress', 'ProvisioningStarted', 'ProvisioningFinished', 'ProvisioningFailed', 'Scheduled', 'PendingApproval')
                GROUP BY "CustomerId", "Status";
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AttentionTallies");

            migrationBuilder.DropTable(
                name: "AttentionTallyChanges");
        }
    }
}
