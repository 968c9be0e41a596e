using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class QueueOpenRowIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ProvisioningJobs_CompletedAt_DueAt",
                table: "ProvisioningJobs");

            migrationBuilder.DropIndex(
                name: "IX_IntegrationEvents_DispatchedAt_DueAt",
                table: "IntegrationEvents");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_CompletedAt_DueAt",
                table: "Deliveries");

            migrationBuilder.AlterTable(
                name: "ProvisioningJobs")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.AlterTable(
                name: "IntegrationEvents")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.AlterTable(
                name: "Deliveries")
                .Annotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.CreateIndex(
                name: "IX_ProvisioningJobs_Open",
                table: "ProvisioningJobs",
                columns: new[] { "DueAt", "Id" },
                filter: "\"CompletedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_IntegrationEvents_Open",
                table: "IntegrationEvents",
                column: "Id",
                filter: "\"DispatchedAt\" IS NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_Open",
                table: "Deliveries",
                columns: new[] { "DueAt", "Id" },
                filter: "\"CompletedAt\" IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_ProvisioningJobs_Open",
                table: "ProvisioningJobs");

            migrationBuilder.DropIndex(
                name: "IX_IntegrationEvents_Open",
                table: "IntegrationEvents");

            migrationBuilder.DropIndex(
                name: "IX_Deliveries_Open",
                table: "Deliveries");

            migrationBuilder.AlterTable(
                name: "ProvisioningJobs")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.AlterTable(
                name: "IntegrationEvents")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.AlterTable(
                name: "Deliveries")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 70);

            migrationBuilder.CreateIndex(
                name: "IX_ProvisioningJobs_CompletedAt_DueAt",
                table: "ProvisioningJobs",
                columns: new[] { "CompletedAt", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_IntegrationEvents_DispatchedAt_DueAt",
                table: "IntegrationEvents",
                columns: new[] { "DispatchedAt", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Deliveries_CompletedAt_DueAt",
                table: "Deliveries",
                columns: new[] { "CompletedAt", "DueAt" });
        }
    }
}
