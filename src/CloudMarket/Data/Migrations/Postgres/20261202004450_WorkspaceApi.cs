using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CloudMarket.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class WorkspaceApi : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "InternalNote",
                table: "Orders",
                type: "character varying(2000)",
                maxLength: 2000,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Orders_CustomerId_Id",
                table: "Orders",
                columns: new[] { "CustomerId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_InternalNote_Trgm",
                table: "Orders",
                column: "InternalNote")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });

            migrationBuilder.CreateIndex(
                name: "IX_Orders_Note_Trgm",
                table: "Orders",
                column: "Note")
                .Annotation("Npgsql:IndexMethod", "gin")
                .Annotation("Npgsql:IndexOperators", new[] { "gin_trgm_ops" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Orders_CustomerId_Id",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Orders_InternalNote_Trgm",
                table: "Orders");

            migrationBuilder.DropIndex(
                name: "IX_Orders_Note_Trgm",
                table: "Orders");

            migrationBuilder.DropColumn(
                name: "InternalNote",
                table: "Orders");
        }
    }
}
